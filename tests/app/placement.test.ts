/**
 * Where each kind's model computes, which decides whether it takes turns on the main thread:
 * every in-process model does by default; with MODEL_WORKER_THREADS only chat stays there.
 * It also decides how many cores each ONNX Runtime session may use.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { placement, profileThreads, usesWorkerThreads } from "../../src/app/models.js";
import { resolveProfile } from "../../src/models/catalogue/index.js";
import { CATALOGUE_KINDS, KIND_TABLE } from "../../src/models/kinds/index.js";
import { THREAD_BYTES } from "../../src/models/threaded/index.js";

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

describe("MODEL_WORKER_THREADS=auto", () => {
  const cpu = resolveProfile("cpu", {}, { cudaAvailable: false });
  // Every model, and a thread for each but OCR: two voices, Whisper, the VAD, chat, the
  // vision model and the embedder.
  const everything =
    CATALOGUE_KINDS.reduce((sum, kind) => sum + cpu.models[kind].memoryBytes, 0) +
    cpu.vad.memoryBytes +
    7 * THREAD_BYTES;

  it("uses threads on several cores when the budget holds every model and its thread", () => {
    assert.equal(usesWorkerThreads(cpu, "auto", everything, 2), true);
    assert.equal(usesWorkerThreads(cpu, "auto", everything - 1, 2), false);
  });

  it("keeps the models on the main thread on one core or with any model on the GPU", () => {
    assert.equal(usesWorkerThreads(cpu, "auto", everything, 1), false);
    const chatOnGpu = resolveProfile("cpu", { chat: { device: "cuda" } }, { cudaAvailable: true });
    assert.equal(usesWorkerThreads(chatOnGpu, "auto", 64 * everything, 8), false);
    const gpu = resolveProfile("gpu", {}, { cudaAvailable: true });
    assert.equal(usesWorkerThreads(gpu, "auto", 64 * everything, 8), false);
  });

  it("takes true and false as they are", () => {
    assert.equal(usesWorkerThreads(cpu, true, 0, 1), true);
    assert.equal(usesWorkerThreads(cpu, false, 64 * everything, 8), false);
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
