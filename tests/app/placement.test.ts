/**
 * Where each kind's model computes, which decides whether it takes turns on the main thread:
 * every in-process model does by default; with MODEL_WORKER_THREADS only chat stays there.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { placement } from "../../src/app/models.js";
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

  it("moves all but chat and OCR into threads of their own with MODEL_WORKER_THREADS", () => {
    assert.deepEqual(where(true), {
      "tts-ru": "foreground",
      "tts-en": "foreground",
      asr: "background",
      vad: "background",
      chat: "main",
      ocr: "own",
      vision: "foreground",
      embed: "background",
    });
  });
});
