/**
 * The VAD over a long recording in pieces: the real Silero model, run piece by piece with its
 * state carried over, gives the probabilities of one pass, and each piece is a batch job.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VAD_PIECE_SAMPLES, vadInPieces } from "../../src/services/speech/vad-pieces.js";
import { RecordingHandle } from "../support/model-handle.js";
import { buildRecording, espeakPcm } from "../support/speech-audio.js";
import { sileroVad } from "./vad-support.js";

/** About 70 s of speech with short pauses: piece boundaries fall inside or near speech. */
function longRecording(): Float32Array {
  const sentence = espeakPcm("The quick brown fox jumps over the lazy dog, twice.", "en");
  const pieces = Array.from({ length: 24 }, () => sentence);
  const pausesS = Array.from({ length: pieces.length + 1 }, (_, i) => 0.3 + (i % 3) * 0.2);
  return buildRecording({ pieces, pausesS, noise: 0.003 }).samples;
}

describe("vadInPieces", () => {
  it("gives one pass's probabilities in pieces of 30.72 s, each a batch job of the owner", async () => {
    const samples = longRecording();
    const pieces = Math.ceil(samples.length / VAD_PIECE_SAMPLES);
    assert.ok(pieces >= 3, `${samples.length} samples should make 3 pieces or more`);
    const whole = await sileroVad().run({ samples });
    const vad = new RecordingHandle(sileroVad());
    const pieced = await vadInPieces(vad, samples, { owner: "tg:7" });
    assert.deepEqual(vad.scheduling(), Array(pieces).fill({ owner: "tg:7", workClass: "batch" }));
    assert.equal(pieced.probs.length, whole.probs.length);
    let largest = 0;
    for (let frame = 0; frame < whole.probs.length; frame++) {
      largest = Math.max(largest, Math.abs(pieced.probs[frame]! - whole.probs[frame]!));
    }
    assert.ok(largest < 1e-6, `largest difference ${largest}`);
    const heard = whole.probs.filter((p) => p > 0.5).length / whole.probs.length;
    assert.ok(heard > 0.5, `speech in ${heard} of the frames: the state matters`);
  });

  it("runs a recording of one piece as one job of the class asked for", async () => {
    const samples = espeakPcm("Hello there.", "en");
    const vad = new RecordingHandle(sileroVad());
    const result = await vadInPieces(vad, samples, { owner: "tg:1", workClass: "interactive" });
    assert.deepEqual(vad.scheduling(), [{ owner: "tg:1", workClass: "interactive" }]);
    assert.equal(result.probs.length, Math.ceil(samples.length / 512));
  });
});
