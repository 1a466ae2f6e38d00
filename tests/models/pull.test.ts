import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { fixtureModelsDir } from "../../src/models/catalogue/index.js";
import {
  configureRuntime,
  pullModels,
  verifyByLoading,
  type PullEvent,
  type PullTarget,
} from "../../src/models/runtime/index.js";
import { startLoopbackHub, type LoopbackHub } from "./support/loopback-hub.js";

const logger = pino({ level: "silent" });
const noWait = () => Promise.resolve();

describe("pullModels (synthetic model on a loopback hub)", () => {
  const tmp = mkdtempSync(join(tmpdir(), "pull-test-"));
  const source = join(tmp, "source");
  const weights = Buffer.alloc(256 * 1024, 7).map((_, i) => i % 251);
  let hub: LoopbackHub;

  before(async () => {
    mkdirSync(join(source, "onnx"), { recursive: true });
    writeFileSync(
      join(source, "config.json"),
      JSON.stringify({
        model_type: "qwen2",
        "transformers.js_config": { use_external_data_format: true },
      }),
    );
    writeFileSync(join(source, "onnx", "model_q4.onnx"), Buffer.from("graph"));
    writeFileSync(join(source, "onnx", "model_q4.onnx_data"), weights);
    writeFileSync(join(source, "tokenizer.json"), "{}");
    writeFileSync(join(source, "tokenizer_config.json"), "{}");
    // no generation_config.json: it is optional
    hub = await startLoopbackHub({
      models: { "hub-org/tiny-lm": source },
      cutOnce: ["onnx/model_q4.onnx_data"],
    });
  });
  after(async () => {
    await hub.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const target: PullTarget = {
    modelId: "hub-org/tiny-lm",
    pipelineTask: "text-generation",
    dtype: "q4",
    device: "cpu",
  };

  it("downloads what the dtype needs, resumes a cut download with Range, and skips complete files", async () => {
    const modelsDir = join(tmp, "models");
    const events: PullEvent[] = [];
    const verified: string[] = [];
    const report = await pullModels({
      targets: [target],
      modelsDir,
      remoteHost: hub.url,
      logger,
      backoff: noWait,
      onEvent: (event) => events.push(event),
      verify: async (t) => {
        verified.push(t.modelId);
        return { device: "cpu" };
      },
    });

    const dir = join(modelsDir, "hub-org", "tiny-lm");
    assert.deepEqual(readFileSync(join(dir, "onnx", "model_q4.onnx_data")), weights);
    assert.equal(existsSync(join(dir, "onnx", "model_q4.onnx_data.part")), false);
    assert.equal(existsSync(join(dir, "generation_config.json")), false);
    assert.deepEqual(
      report.models[0]?.files.map((f) => f.path),
      [
        "config.json",
        "onnx/model_q4.onnx",
        "onnx/model_q4.onnx_data",
        "tokenizer.json",
        "tokenizer_config.json",
      ],
    );
    assert.equal(report.models[0]?.verifiedDevice, "cpu");
    assert.deepEqual(verified, ["hub-org/tiny-lm"]);

    const dataRequests = hub.requests.filter((r) => r.path === "onnx/model_q4.onnx_data");
    assert.equal(dataRequests.length, 2);
    assert.equal(dataRequests[0]?.range, undefined);
    assert.equal(
      dataRequests[1]?.range,
      `bytes=${weights.length / 2}-`,
      "the retry resumes where the cut left off",
    );
    assert.ok(events.some((e) => e.type === "retry" && e.path === "onnx/model_q4.onnx_data"));
    const starts = events.filter(
      (e): e is Extract<PullEvent, { type: "file-start" }> =>
        e.type === "file-start" && e.path === "onnx/model_q4.onnx_data",
    );
    assert.deepEqual(
      starts.map((e) => [e.resumeFrom, e.totalBytes]),
      [
        [0, weights.length],
        [weights.length / 2, weights.length],
      ],
    );
    const progress = events.filter(
      (e): e is Extract<PullEvent, { type: "file-progress" }> =>
        e.type === "file-progress" && e.path === "onnx/model_q4.onnx_data",
    );
    assert.ok(progress.length >= 2, "progress reported while downloading");
    assert.equal(progress.at(-1)?.bytes, weights.length);
    assert.ok(events.some((e) => e.type === "file-absent" && e.path === "generation_config.json"));

    // A second pull finds every file complete and downloads nothing.
    const before = hub.requests.length;
    const again = await pullModels({
      targets: [target],
      modelsDir,
      remoteHost: hub.url,
      logger,
      backoff: noWait,
    });
    assert.ok(again.models[0]?.files.every((f) => f.skipped));
    assert.deepEqual(
      hub.requests.slice(before).map((r) => r.path),
      ["generation_config.json"],
      "only the optional file that the hub lacks is asked for again",
    );
  });

  it("treats a part file that is already whole as complete (416)", async () => {
    const modelsDir = join(tmp, "models-416");
    const dir = join(modelsDir, "hub-org", "tiny-lm", "onnx");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "model_q4.onnx_data.part"), weights);
    await pullModels({
      targets: [target],
      modelsDir,
      remoteHost: hub.url,
      logger,
      backoff: noWait,
    });
    assert.deepEqual(readFileSync(join(dir, "model_q4.onnx_data")), weights);
  });

  it("starts over when a server answers a Range request with the whole file", async () => {
    const plainHub = await startLoopbackHub({
      models: { "hub-org/tiny-lm": source },
      cutOnce: ["onnx/model_q4.onnx_data"],
      ignoreRange: true,
    });
    try {
      const modelsDir = join(tmp, "models-no-range");
      const events: PullEvent[] = [];
      await pullModels({
        targets: [target],
        modelsDir,
        remoteHost: plainHub.url,
        logger,
        backoff: noWait,
        onEvent: (event) => events.push(event),
      });
      const data = readFileSync(
        join(modelsDir, "hub-org", "tiny-lm", "onnx", "model_q4.onnx_data"),
      );
      assert.deepEqual(data, weights);
      const retried = plainHub.requests.filter((r) => r.path === "onnx/model_q4.onnx_data");
      assert.equal(retried[1]?.range, `bytes=${weights.length / 2}-`, "a resume was asked for");
      const starts = events.filter(
        (e): e is Extract<PullEvent, { type: "file-start" }> =>
          e.type === "file-start" && e.path === "onnx/model_q4.onnx_data",
      );
      assert.deepEqual(
        starts.map((e) => e.resumeFrom),
        [0, 0],
      );
    } finally {
      await plainHub.close();
    }
  });

  it("goes on past a model whose required file is not on the hub and reports it at the end", async () => {
    const events: PullEvent[] = [];
    const report = await pullModels({
      targets: [{ ...target, dtype: "q8" }, target],
      modelsDir: join(tmp, "models-missing"),
      remoteHost: hub.url,
      logger,
      backoff: noWait,
      onEvent: (event) => events.push(event),
    });
    assert.deepEqual(
      report.failed.map(({ modelId, dtype, error }) => ({ modelId, dtype, error })),
      [
        {
          modelId: "hub-org/tiny-lm",
          dtype: "q8",
          error: `hub-org/tiny-lm has no onnx/model_quantized.onnx on ${hub.url}`,
        },
      ],
    );
    assert.equal((report.failed[0]?.cause as { code?: string }).code, "model.missing");
    assert.deepEqual(
      report.models.map((model) => model.modelId),
      ["hub-org/tiny-lm"],
      "the next target was still pulled",
    );
    assert.ok(events.some((event) => event.type === "failed" && event.dtype === "q8"));
  });

  it("reports a model whose load check fails and still pulls the rest", async () => {
    const report = await pullModels({
      targets: [target, { ...target, dtype: "q8" }],
      modelsDir: join(tmp, "models-verify"),
      remoteHost: hub.url,
      logger,
      backoff: noWait,
      verify: async () => {
        throw new Error("protobuf parsing failed");
      },
    });
    assert.deepEqual(
      report.failed.map(({ dtype, error }) => `${dtype}: ${error}`),
      [
        "q4: protobuf parsing failed",
        `q8: hub-org/tiny-lm has no onnx/model_quantized.onnx on ${hub.url}`,
      ],
    );
  });
});

describe("pullModels (a fixture model served as if from the hub)", () => {
  const tmp = mkdtempSync(join(tmpdir(), "pull-fixture-"));
  let hub: LoopbackHub;

  before(async () => {
    hub = await startLoopbackHub({
      models: { "hub-org/mms-tts-eng": join(fixtureModelsDir, "fixture", "mms-tts-eng") },
      cutOnce: ["onnx/model.onnx"],
    });
  });
  after(async () => {
    await hub.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("downloads into MODELS_DIR in the layout the runtime reads, and the model loads", async () => {
    const runtime = configureRuntime({
      modelsDir: join(tmp, "models"),
      allowRemoteModels: false,
      logger,
    });
    const events: PullEvent[] = [];
    const report = await pullModels({
      targets: [
        {
          modelId: "hub-org/mms-tts-eng",
          pipelineTask: "text-to-speech",
          dtype: "fp32",
          device: "cuda",
        },
      ],
      modelsDir: runtime.modelsDir,
      remoteHost: hub.url,
      logger,
      backoff: noWait,
      onEvent: (event) => events.push(event),
      verify: verifyByLoading(logger),
    });
    const source = join(fixtureModelsDir, "fixture", "mms-tts-eng", "onnx", "model.onnx");
    assert.deepEqual(
      readFileSync(join(runtime.modelsDir, "hub-org", "mms-tts-eng", "onnx", "model.onnx")),
      readFileSync(source),
    );
    assert.ok(
      events.some((e) => e.type === "retry"),
      "the cut download was retried",
    );
    assert.ok(events.some((e) => e.type === "file-progress" && e.path === "onnx/model.onnx"));
    assert.deepEqual(events.at(-1), {
      type: "verified",
      modelId: "hub-org/mms-tts-eng",
      device: "cpu",
    });
    assert.equal(report.models[0]?.verifiedDevice, "cpu");
  });
});
