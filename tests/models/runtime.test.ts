import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { env } from "@huggingface/transformers";
import { pino } from "pino";
import { isAppError } from "../../src/shared/errors.js";
import { PROFILES } from "../../src/models/catalogue/index.js";
import {
  MEMORY_OVERHEAD_FACTOR,
  SESSION_OVERHEAD_BYTES,
  configureRuntime,
  createPipeline,
  createTransformersModel,
  modelFiles,
  probeCuda,
  TransformersModel,
  type PipelineFactory,
  type PipelineRequest,
  type RuntimeSettings,
  type TransformersModelSpec,
} from "../../src/models/runtime/index.js";

const logger = pino({ level: "silent" });
const tmp = mkdtempSync(join(tmpdir(), "runtime-test-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A pipeline factory that fails on CUDA like onnxruntime-node without the CUDA provider. */
function fakeFactory(): {
  factory: PipelineFactory;
  requests: PipelineRequest[];
  disposed: () => number;
} {
  const requests: PipelineRequest[] = [];
  let disposed = 0;
  const factory: PipelineFactory = async (request) => {
    requests.push(request);
    if (request.device === "cuda") {
      throw new Error(
        "Failed to load shared library libonnxruntime_providers_cuda.so\nmore detail",
      );
    }
    return {
      device: request.device,
      dispose: async () => {
        disposed++;
      },
    };
  };
  return { factory, requests, disposed: () => disposed };
}

const spec: TransformersModelSpec = {
  modelId: "org/tiny",
  pipelineTask: "text-to-speech",
  dtype: "q8",
  device: "cpu",
  memoryBytes: 123_456,
};

function writeModel(modelsDir: string, modelId: string, files: Record<string, number>): void {
  for (const [path, size] of Object.entries(files)) {
    const full = join(modelsDir, modelId, path);
    mkdirSync(join(full, ".."), { recursive: true });
    writeFileSync(full, Buffer.alloc(size));
  }
}

describe("configureRuntime", () => {
  it("points transformers.js at one models folder outside node_modules", () => {
    const settings = configureRuntime({
      modelsDir: join(tmp, "models"),
      allowRemoteModels: false,
      remoteHost: "http://127.0.0.1:9",
      logger,
    });
    assert.equal(settings.modelsDir, join(tmp, "models"));
    assert.equal(env.localModelPath, settings.modelsDir);
    assert.equal(env.cacheDir, settings.modelsDir);
    assert.equal(env.allowLocalModels, true);
    assert.equal(env.allowRemoteModels, false);
    assert.equal(env.remoteHost, "http://127.0.0.1:9/");
    assert.equal(
      env.remotePathTemplate,
      "{model}/resolve/{revision}/",
      "pull.ts builds URLs in this layout",
    );
  });
});

describe("createPipeline", () => {
  it("falls back to CPU in a CPU dtype when CUDA fails to load and says so", async () => {
    const { factory, requests } = fakeFactory();
    const created = await createPipeline({
      ...spec,
      task: "text-to-speech",
      device: "cuda",
      logger,
      pipelineFactory: factory,
    });
    assert.equal(created.device, "cpu");
    assert.match(
      created.note ?? "",
      /^cuda failed \(Failed to load shared library [^\n]*\), fell back to cpu q8$/,
    );
    assert.deepEqual(
      requests.map((r) => r.device),
      ["cuda", "cpu"],
    );
  });

  it("retries a CUDA fp16/q4f16 variant on CPU in its cpuDtype, else q8, never in fp16", async () => {
    for (const [dtype, cpuDtype, expected] of [
      ["fp16", "fp32", "fp32"],
      ["q4f16", undefined, "q8"],
      ["fp16", undefined, "q8"],
      ["fp32", undefined, "fp32"],
    ] as const) {
      const { factory, requests } = fakeFactory();
      const created = await createPipeline({
        ...spec,
        dtype,
        ...(cpuDtype ? { cpuDtype } : {}),
        task: "text-generation",
        device: "cuda",
        logger,
        pipelineFactory: factory,
      });
      assert.equal(created.dtype, expected);
      assert.deepEqual(
        requests.map((r) => `${r.device} ${r.dtype}`),
        [`cuda ${dtype}`, `cpu ${expected}`],
      );
    }
  });

  it("retries on CPU when the CUDA dtype's files are absent but the CPU dtype's may exist", async () => {
    const requests: PipelineRequest[] = [];
    const factory: PipelineFactory = async (request) => {
      requests.push(request);
      if (request.dtype === "fp16") {
        throw Object.assign(new Error("onnx/model_fp16.onnx was not found locally"), {
          name: "ModelFileNotFoundError",
        });
      }
      return { dispose: async () => {} };
    };
    const created = await createPipeline({
      ...spec,
      dtype: "fp16",
      cpuDtype: "q8",
      task: "text-generation",
      device: "cuda",
      logger,
      pipelineFactory: factory,
    });
    assert.equal(created.device, "cpu");
    assert.equal(created.dtype, "q8");
  });

  it("uses CUDA when it loads", async () => {
    const factory: PipelineFactory = async () => ({ dispose: async () => {} });
    const created = await createPipeline({
      ...spec,
      task: "text-to-speech",
      device: "cuda",
      logger,
      pipelineFactory: factory,
    });
    assert.equal(created.device, "cuda");
    assert.equal(created.note, undefined);
  });

  it("does not retry on CPU when the same files are missing", async () => {
    let calls = 0;
    const factory: PipelineFactory = async () => {
      calls++;
      throw Object.assign(new Error("file was not found locally"), {
        name: "ModelFileNotFoundError",
      });
    };
    await assert.rejects(
      createPipeline({
        ...spec,
        task: "text-to-speech",
        device: "cuda",
        logger,
        pipelineFactory: factory,
      }),
      { name: "ModelFileNotFoundError" },
    );
    assert.equal(calls, 1);
  });
});

describe("TransformersModel", () => {
  const runtime: RuntimeSettings = {
    modelsDir: join(tmp, "adapter"),
    allowRemoteModels: false,
    remoteHost: "x",
  };

  it("estimates memory from the ONNX files the dtype selects", () => {
    writeModel(runtime.modelsDir, "org/sized", {
      "config.json": 10,
      "onnx/model_quantized.onnx": 1000,
      "onnx/model_quantized.onnx_data": 3000,
      "onnx/model_quantized.onnx_data_1": 500,
      "onnx/model.onnx": 99_999, // fp32: not selected by q8
      "onnx/model_quantized.onnx_data.part": 7777, // a partial download is not weights
    });
    const model = new TransformersModel({
      id: "tts-en",
      task: "tts",
      spec: { ...spec, modelId: "org/sized" },
      runtime,
      logger,
      run: async () => undefined,
    });
    assert.equal(
      model.estimatedBytes,
      Math.ceil(4500 * MEMORY_OVERHEAD_FACTOR) + SESSION_OVERHEAD_BYTES,
    );
  });

  it("builds a catalogue entry with its fallback variant under its own id", () => {
    const entry = PROFILES.cpu.models.chat;
    const model = createTransformersModel({
      id: "chat",
      task: "chat",
      spec: entry,
      runtime,
      logger,
      run: async () => "",
    });
    assert.equal(model.spec.modelId, "onnx-community/Qwen3.5-2B-ONNX");
    const fallback = model.fallback as TransformersModel<unknown, string> | undefined;
    assert.equal(fallback?.id, "chat:fallback");
    assert.equal(fallback?.spec.modelId, "onnx-community/Qwen3.5-0.8B-ONNX");
    assert.equal(fallback?.estimatedBytes, entry.fallback?.memoryBytes);
    assert.equal(fallback?.fallback, undefined);
  });

  it("falls back to the catalogue figure when the files are absent", () => {
    const model = new TransformersModel({
      id: "x",
      task: "tts",
      spec,
      runtime,
      logger,
      run: async () => undefined,
    });
    assert.equal(model.estimatedBytes, spec.memoryBytes);
  });

  it("names the model and the pull command when the model is missing and remote is off", async () => {
    const { factory, requests } = fakeFactory();
    const model = new TransformersModel({
      id: "asr",
      task: "asr",
      spec: { ...spec, modelId: "org/absent" },
      runtime,
      logger,
      pipelineFactory: factory,
      run: async () => undefined,
    });
    await assert.rejects(model.load(), (error: unknown) => {
      assert.ok(isAppError(error));
      assert.equal(error.code, "model.missing");
      assert.match(error.message, /org\/absent/);
      assert.match(error.message, /npm run models:pull/);
      return true;
    });
    assert.equal(requests.length, 0, "no load attempted");
  });

  it("loads on CPU after a CUDA failure, runs, and disposes on unload", async () => {
    writeModel(runtime.modelsDir, "org/cuda", { "config.json": 2 });
    const { factory, disposed } = fakeFactory();
    let rss = 1000;
    const model = new TransformersModel<
      string,
      string,
      { device: string; dispose(): Promise<void> }
    >({
      id: "chat",
      task: "chat",
      spec: { ...spec, modelId: "org/cuda", device: "cuda" },
      runtime,
      logger,
      pipelineFactory: async (request) => {
        rss += 5000;
        return factory(request);
      },
      rss: () => rss,
      run: async (pipe, input) => `${input} on ${pipe.device}`,
    });
    assert.equal(model.device, "cuda");
    const report = await model.load();
    assert.equal(report.device, "cpu");
    assert.equal(report.measuredBytes, 10_000, "RSS grew during both attempts");
    assert.match(report.note ?? "", /fell back to cpu/);
    assert.equal(await model.run("hi", new AbortController().signal), "hi on cpu");
    await model.unload();
    assert.equal(disposed(), 1);
    await assert.rejects(model.run("hi", new AbortController().signal), {
      code: "model.load_failed",
    });
  });

  it("refuses to run with an aborted signal", async () => {
    writeModel(runtime.modelsDir, "org/abort", { "config.json": 2 });
    const { factory } = fakeFactory();
    const model = new TransformersModel({
      id: "x",
      task: "tts",
      spec: { ...spec, modelId: "org/abort" },
      runtime,
      logger,
      pipelineFactory: factory,
      run: async () => "ran",
    });
    await model.load();
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(model.run(undefined, controller.signal), { code: "job.cancelled" });
    await model.unload();
  });

  it("disposes a pipeline whose load was cancelled meanwhile", async () => {
    writeModel(runtime.modelsDir, "org/cancel", { "config.json": 2 });
    const { factory, disposed } = fakeFactory();
    const controller = new AbortController();
    const model = new TransformersModel({
      id: "x",
      task: "tts",
      spec: { ...spec, modelId: "org/cancel" },
      runtime,
      logger,
      pipelineFactory: async (request) => {
        controller.abort();
        return factory(request);
      },
      run: async () => "ran",
    });
    await assert.rejects(model.load(controller.signal), { code: "job.cancelled" });
    assert.equal(disposed(), 1);
    assert.equal(model.loaded, false);
  });

  it("wraps other load failures as model.load_failed", async () => {
    writeModel(runtime.modelsDir, "org/broken", { "config.json": 2 });
    const model = new TransformersModel({
      id: "x",
      task: "tts",
      spec: { ...spec, modelId: "org/broken" },
      runtime,
      logger,
      pipelineFactory: async () => {
        throw new Error("protobuf parsing failed");
      },
      run: async () => undefined,
    });
    await assert.rejects(model.load(), {
      code: "model.load_failed",
      message: /org\/broken.*protobuf parsing failed/,
    });
  });
});

describe("probeCuda", () => {
  const base = {
    platform: "linux" as const,
    arch: "x64",
    onnxruntimeDir: "/ort",
    runTinySession: (_provider: string, a: number, b: number) => a + b,
  };
  const provider = "/ort/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so";

  it("needs the CUDA provider next to the binding and an NVIDIA driver", () => {
    const files = new Set([provider, "/proc/driver/nvidia/version"]);
    assert.equal(probeCuda({ ...base, fileExists: (p) => files.has(p) }).available, true);
    const noDriver = probeCuda({ ...base, fileExists: (p) => p === provider });
    assert.deepEqual([noDriver.available, /NVIDIA driver/.test(noDriver.reason)], [false, true]);
    const noProvider = probeCuda({ ...base, fileExists: (p) => p !== provider });
    assert.deepEqual(
      [noProvider.available, /provider not installed/.test(noProvider.reason)],
      [false, true],
    );
    assert.equal(
      probeCuda({ ...base, platform: "darwin", fileExists: () => true }).available,
      false,
    );
  });
});

describe("modelFiles", () => {
  it("lists config, sessions for the dtype, external data from config.json, then the JSON files", () => {
    const files = modelFiles("automatic-speech-recognition", "fp16", {
      "transformers.js_config": { use_external_data_format: { "encoder_model_fp16.onnx": 2 } },
    });
    assert.deepEqual(
      files.map((f) => f.path),
      [
        "config.json",
        "onnx/encoder_model_fp16.onnx",
        "onnx/encoder_model_fp16.onnx_data",
        "onnx/encoder_model_fp16.onnx_data_1",
        "onnx/decoder_model_merged_fp16.onnx",
        "tokenizer.json",
        "tokenizer_config.json",
        "preprocessor_config.json",
        "generation_config.json",
      ],
    );
    assert.deepEqual(
      modelFiles("text-generation", "q4f16", {
        "transformers.js_config": { use_external_data_format: true },
      }).map((f) => f.path),
      [
        "config.json",
        "onnx/model_q4f16.onnx",
        "onnx/model_q4f16.onnx_data",
        "tokenizer.json",
        "tokenizer_config.json",
        "generation_config.json",
      ],
    );
  });
});
