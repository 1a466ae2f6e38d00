import assert from "node:assert/strict";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import onnxProto from "onnx-proto";
import { pino } from "pino";
import { bindManagerMetrics, createBotMetrics, METRIC_NAMES } from "../../src/metrics/index.js";
import { resolveProfile } from "../../src/models/catalogue/index.js";
import { InMemoryFootprintStore, ModelManager } from "../../src/models/manager/index.js";
import {
  ADD_GRAPH,
  NVIDIA_SMI_ARGS,
  TransformersModel,
  configureRuntime,
  parseComputeApps,
  probeCuda,
  runTinySession,
  sessionThreads,
  type PipelineRequest,
} from "../../src/models/runtime/index.js";
import { StatusService } from "../../src/services/status/index.js";
import { ManualClock, settle } from "../../src/shared/clock.js";
import { parseExposition, sampleValue } from "../server/support/exposition.js";

const logger = pino({ level: "silent" });
const tmp = mkdtempSync(join(tmpdir(), "cuda-vram-test-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const MIB = 1024 ** 2;

describe("CUDA probe", () => {
  const provider = "/ort/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so";
  const base = {
    platform: "linux" as const,
    arch: "x64",
    onnxruntimeDir: "/ort",
    fileExists: (path: string) => path === provider || path === "/proc/driver/nvidia/version",
  };

  it("ships a valid Add graph, the one onnx-proto builds, and runs it for real on the CPU", () => {
    const { onnx } = onnxProto;
    const value = (name: string) => ({
      name,
      type: {
        tensorType: {
          elemType: onnx.TensorProto.DataType.FLOAT,
          shape: { dim: [{ dimValue: 1 }] },
        },
      },
    });
    const built = onnx.ModelProto.encode(
      onnx.ModelProto.fromObject({
        irVersion: 8,
        producerName: "cuda-probe",
        opsetImport: [{ domain: "", version: 17 }],
        graph: {
          name: "add",
          input: [value("a"), value("b")],
          output: [value("sum")],
          node: [{ opType: "Add", input: ["a", "b"], output: ["sum"], name: "add" }],
        },
      }),
    ).finish();
    assert.deepEqual(Buffer.from(ADD_GRAPH), Buffer.from(built));
    assert.equal(runTinySession("cpu", 1.5, 2), 3.5);
  });

  it("with the provider and a driver present, still says no when the CUDA session fails, with the exact reason", () => {
    const calls: string[] = [];
    const probe = probeCuda({
      ...base,
      runTinySession: (session) => {
        calls.push(session);
        throw new Error("\x1b[1;31mlibcudnn.so.9: cannot open shared object file\x1b[m");
      },
    });
    assert.deepEqual(calls, ["cuda"]);
    assert.deepEqual(probe, {
      available: false,
      reason: "a CUDA test session failed: libcudnn.so.9: cannot open shared object file",
    });
    // So `auto` picks the CPU profile.
    const profile = resolveProfile("auto", {}, { cudaAvailable: probe.available });
    assert.equal(profile.name, "cpu");
  });

  it("says yes only when the CUDA session computed the sum", () => {
    assert.equal(probeCuda({ ...base, runTinySession: (_p, a, b) => a + b }).available, true);
    const wrong = probeCuda({ ...base, runTinySession: () => 0 });
    assert.deepEqual(wrong, {
      available: false,
      reason: "a CUDA test session computed 1.5 + 2 = 0",
    });
  });

  it("reports the real failure of onnxruntime-node here (no CUDA provider on this machine)", () => {
    assert.throws(() => runTinySession("cuda", 1, 2), /Failed to load|cuda|CUDA/i);
  });
});

/** A fake `nvidia-smi` on PATH: answers the compute-apps query with the next canned reply. */
function fakeNvidiaSmi(replies: string[]): { calls: () => number; restore: () => void } {
  const dir = mkdtempSync(join(tmp, "bin-"));
  mkdirSync(join(dir, "replies"));
  replies.forEach((reply, index) => writeFileSync(join(dir, "replies", String(index + 1)), reply));
  writeFileSync(
    join(dir, "nvidia-smi"),
    [
      "#!/bin/sh",
      `[ "$*" = "${NVIDIA_SMI_ARGS.join(" ")}" ] || { echo "unexpected arguments: $*" >&2; exit 2; }`,
      `n=$(( $(cat "${dir}/count" 2>/dev/null || echo 0) + 1 ))`,
      `echo "$n" > "${dir}/count"`,
      `cat "${dir}/replies/$n"`,
    ].join("\n"),
  );
  chmodSync(join(dir, "nvidia-smi"), 0o755);
  const path = process.env.PATH;
  process.env.PATH = `${dir}:${path}`;
  return {
    calls: () =>
      existsSync(join(dir, "count")) ? Number(readFileSync(join(dir, "count"), "utf8")) : 0,
    restore: () => {
      process.env.PATH = path;
    },
  };
}

describe("VRAM measurement", () => {
  it("parses this process's lines of nvidia-smi's compute-apps CSV", () => {
    const csv = "4242, 9000\n77, 100\n77, 28\n\n";
    assert.equal(parseComputeApps(csv, 77), 128 * MIB);
    assert.equal(parseComputeApps(csv, 5), 0);
    assert.equal(parseComputeApps("[Not Supported]\n", 77), 0);
  });

  it("measures a CUDA load from nvidia-smi before and after, stores it and shows it in /status and /metrics", async () => {
    const pid = process.pid;
    const smi = fakeNvidiaSmi([`4242, 9000\n${pid}, 100\n`, `4242, 9000\n${pid}, 612\n`]);
    try {
      const runtime = configureRuntime({
        modelsDir: join(tmp, "models"),
        allowRemoteModels: true,
        logger,
      });
      const requests: PipelineRequest[] = [];
      const model = new TransformersModel({
        id: "chat",
        task: "chat",
        spec: {
          modelId: "org/gpu",
          pipelineTask: "text-generation",
          dtype: "q4f16",
          device: "cuda",
          memoryBytes: 4096 * MIB,
        },
        runtime,
        logger,
        pipelineFactory: async (request) => {
          requests.push(request);
          return { dispose: async () => {} };
        },
        rss: () => 0,
        run: async () => "ok",
      });
      const clock = new ManualClock();
      const footprints = new InMemoryFootprintStore();
      const manager = new ModelManager({ budgetBytes: 16 * 1024 * MIB, clock, logger, footprints });
      const handle = manager.register(model);
      const metrics = createBotMetrics({ defaultMetrics: false });
      bindManagerMetrics(manager, metrics);

      assert.equal(await handle.run(undefined), "ok");
      await settle();
      assert.equal(smi.calls(), 2);
      assert.deepEqual(
        requests.map((r) => r.device),
        ["cuda"],
      );
      assert.equal(footprints.get("chat"), 512 * MIB, "the GPU memory the load added");
      const stats = manager.stats().models[0];
      assert.equal(stats?.device, "cuda");
      assert.equal(stats?.measuredBytes, 512 * MIB);

      const status = new StatusService({
        stats: () => manager.stats(),
        store: {
          usage: { since: () => [], byOwner: () => [] },
          size: () => ({ fileBytes: 0, walBytes: 0, usedBytes: 0, freeBytes: 0, rows: {} }),
        } as never,
        clock,
        startedAt: 0,
        device: "cuda (profile gpu)",
        cuda: "usable: a CUDA test session ran",
      }).snapshot();
      assert.equal(status.cuda, "usable: a CUDA test session ran");
      assert.deepEqual(
        status.models.map((m) => [m.device, m.footprintBytes, m.measured]),
        [["cuda", 512 * MIB, true]],
      );
      const exposition = parseExposition(await metrics.registry.metrics());
      assert.equal(
        sampleValue(exposition, METRIC_NAMES.modelMemory, { model: "chat", memory: "vram" }),
        512 * MIB,
      );
      await manager.shutdown(1000);
    } finally {
      smi.restore();
    }
  });

  it("loads anyway, unmeasured, when nvidia-smi can't be run", async () => {
    const runtime = configureRuntime({
      modelsDir: join(tmp, "m2"),
      allowRemoteModels: true,
      logger,
    });
    const model = new TransformersModel({
      id: "asr",
      task: "asr",
      spec: {
        modelId: "org/gpu",
        pipelineTask: "automatic-speech-recognition",
        dtype: "fp16",
        device: "cuda",
        memoryBytes: MIB,
      },
      runtime,
      logger,
      pipelineFactory: async () => ({ dispose: async () => {} }),
      gpuMemory: () => Promise.reject(new Error("nvidia-smi failed: ENOENT")),
      run: async () => "ok",
    });
    const report = await model.load();
    assert.deepEqual(report, { device: "cuda", dtype: "fp16" });
    await model.unload();
  });
});

describe("session threads", () => {
  it("shares the cores among the models that may run at once, one inter-op thread, MODEL_THREADS wins", () => {
    assert.deepEqual(sessionThreads({ cores: 16, modelsAtOnce: 4 }), {
      intraOpNumThreads: 4,
      interOpNumThreads: 1,
      extra: { session: { intra_op: { allow_spinning: "0" } } },
    });
    assert.equal(sessionThreads({ cores: 2, modelsAtOnce: 4 }).intraOpNumThreads, 1);
    assert.equal(sessionThreads({ cores: 8, modelsAtOnce: 0 }).intraOpNumThreads, 8);
    assert.equal(sessionThreads({ cores: 16, modelsAtOnce: 4, override: 6 }).intraOpNumThreads, 6);
  });

  it("hands the computed thread counts to the pipeline factory as session options", async () => {
    const threads = sessionThreads({ cores: 12, modelsAtOnce: 3 });
    const runtime = configureRuntime({
      modelsDir: join(tmp, "threads"),
      allowRemoteModels: true,
      threads,
      logger,
    });
    const requests: PipelineRequest[] = [];
    const model = new TransformersModel({
      id: "tts-ru",
      task: "tts",
      spec: {
        modelId: "org/voice",
        pipelineTask: "text-to-speech",
        dtype: "fp32",
        device: "cpu",
        memoryBytes: MIB,
      },
      runtime,
      logger,
      pipelineFactory: async (request) => {
        requests.push(request);
        return { dispose: async () => {} };
      },
      run: async () => undefined,
    });
    await model.load();
    await model.unload();
    assert.deepEqual(requests[0]?.sessionOptions, threads);
    assert.equal(requests[0]?.sessionOptions?.intraOpNumThreads, 4);
  });
});
