/**
 * Where each kind's model computes, which decides whether it takes turns on the main thread:
 * every in-process model does by default; with MODEL_WORKER_THREADS only chat stays there.
 * It also decides how many cores each ONNX Runtime session may use.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { placement, profileThreads } from "../../src/app/models.js";
import { resolveProfile } from "../../src/models/catalogue/index.js";
import { KIND_TABLE } from "../../src/models/kinds/index.js";

const where = (workerThreads: boolean) =>
  Object.fromEntries(KIND_TABLE.map((row) => [row.id, placement(row, workerThreads)]));

describe("placement", () => {
  it("keeps every model but OCR on the main thread by default", () => {
    assert.deepEqual(where(false), {
      "tts-ru": "main",
      "tts-en": "main",
      asr: "main",
      vad: "main",
      chat: "main",
      ocr: "own",
      vision: "main",
      embed: "main",
    });
  });

  it("moves all but OCR into threads of their own with MODEL_WORKER_THREADS", () => {
    assert.deepEqual(where(true), {
      "tts-ru": "foreground",
      "tts-en": "foreground",
      asr: "background",
      vad: "background",
      chat: "foreground",
      ocr: "own",
      vision: "foreground",
      embed: "background",
    });
  });
});

describe("thread plan", () => {
  const cpu = resolveProfile("fixture", {}, { cudaAvailable: false });
  const intraOp = (...args: Parameters<typeof profileThreads>) =>
    profileThreads(...args).intraOpNumThreads;

  it("gives every core to each model on the main thread: they never compute at once", () => {
    assert.equal(intraOp(cpu, { cores: 8 }), 8);
    assert.equal(intraOp(cpu, { cores: 2 }), 2);
  });

  it("shares the cores with each model in a thread of its own", () => {
    // Chat, two voices, Whisper, the vision model and the embedder, each apart.
    assert.equal(intraOp(cpu, { workerThreads: true, cores: 12 }), 2);
    assert.equal(intraOp(cpu, { workerThreads: true, cores: 2 }), 1);
  });

  it("counts only the models on the CPU", () => {
    const someOnGpu = resolveProfile(
      "fixture",
      { chat: { device: "cuda" }, vision: { device: "cuda" } },
      { cudaAvailable: true },
    );
    assert.equal(intraOp(someOnGpu, { workerThreads: true, cores: 12 }), 3);
  });

  it("takes MODEL_THREADS as it is, and never lets a pool thread spin", () => {
    const threads = profileThreads(cpu, { override: 3, cores: 8 });
    assert.equal(threads.intraOpNumThreads, 3);
    assert.deepEqual(threads.extra, { session: { intra_op: { allow_spinning: "0" } } });
  });
});
