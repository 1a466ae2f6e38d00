/**
 * How much may wait for each model: audio lines by the real size of the recordings waiting,
 * the others by a count; MODEL_MAX_QUEUE's count wins where it is set.
 */
import assert from "node:assert/strict";
import os from "node:os";
import { describe, it } from "node:test";
import { clusterLineSize } from "../../src/app/cluster.js";
import { lineSize } from "../../src/app/models.js";
import { loadConfig } from "../../src/config/index.js";
import { MAX_QUEUE, QUEUE_MEMORY_SHARE } from "../../src/models/manager/index.js";

const TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
const load = (env: Record<string, string> = {}) => loadConfig({ BOT_TOKEN: TOKEN, ...env });

describe("lineSize", () => {
  it("sizes the VAD's and Whisper's lines by the bytes of the recordings waiting", () => {
    for (const id of ["vad", "asr"] as const) {
      const size = lineSize(load(), id);
      assert.equal(size.maxQueue, MAX_QUEUE);
      assert.equal(size.maxQueueBytes, Math.floor(os.totalmem() * QUEUE_MEMORY_SHARE));
      // A 30 s piece of a 10-minute recording holds the whole recording while it waits.
      const recording = new Float32Array(600 * 16_000);
      const piece = recording.subarray(0, 30 * 16_000);
      assert.equal(size.inputBytes?.({ samples: piece }), recording.byteLength);
      assert.equal(size.inputBytes?.({ samples: new Float32Array(2 * 16_000) }), 128_000);
    }
  });

  it("counts the jobs of the other lines, sized for their largest input", () => {
    const size = lineSize(load(), "ocr");
    assert.equal(size.maxQueueBytes, undefined);
    assert.equal(size.inputBytes, undefined);
    assert.ok(size.maxQueue! >= 4 && size.maxQueue! <= MAX_QUEUE);
  });

  it("keeps the count MODEL_MAX_QUEUE sets, for audio too", () => {
    assert.deepEqual(lineSize(load({ MODEL_MAX_QUEUE: "vad=7" }), "vad"), { maxQueue: 7 });
    assert.deepEqual(lineSize(load({ MODEL_MAX_QUEUE: "12" }), "asr"), { maxQueue: 12 });
  });

  it("gives ROLE=bot's cluster lines the same sizes, audio bytes counted by payload", () => {
    const size = clusterLineSize(load());
    assert.deepEqual(size("vad"), {
      maxQueue: MAX_QUEUE,
      maxQueueBytes: Math.floor(os.totalmem() * QUEUE_MEMORY_SHARE),
    });
    assert.deepEqual(size("ocr"), { maxQueue: lineSize(load(), "ocr").maxQueue });
  });
});
