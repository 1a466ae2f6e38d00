import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  planSpeechWindows,
  speechSpans,
  type FrameProbabilities,
} from "../../src/services/speech/index.js";

const FRAME = 512;
const RATE = 16_000;
const FRAMES_PER_S = RATE / FRAME; // 31.25

/** Frame probabilities from [startS, endS, p] runs over `totalS` seconds (0 elsewhere). */
function frames(totalS: number, runs: [number, number, number][]): FrameProbabilities {
  const probs = new Float32Array(Math.ceil(totalS * FRAMES_PER_S));
  for (const [start, end, p] of runs) {
    probs.fill(p, Math.round(start * FRAMES_PER_S), Math.round(end * FRAMES_PER_S));
  }
  return { probs, frameSamples: FRAME, sampleRate: RATE, totalSamples: totalS * RATE };
}

const settings = { threshold: 0.5, minSpeechMs: 250, minSilenceMs: 300, speechPadMs: 0 };
const seconds = (spans: { start: number; end: number }[]) =>
  spans.map(({ start, end }) => [
    Math.round((start / RATE) * 10) / 10,
    Math.round((end / RATE) * 10) / 10,
  ]);

describe("speechSpans", () => {
  it("finds speech, ignores blips and short pauses, and pads", () => {
    const f = frames(20, [
      [1, 3, 0.9],
      [3, 3.2, 0.1], // a 0.2 s pause: still speech
      [3.2, 4, 0.9],
      [8, 8.1, 0.95], // a 0.1 s blip: not speech
      [10, 12, 0.8],
    ]);
    assert.deepEqual(seconds(speechSpans(f, settings)), [
      [1, 4],
      [10, 12],
    ]);
    assert.deepEqual(seconds(speechSpans(f, { ...settings, speechPadMs: 200 })), [
      [0.8, 4.2],
      [9.8, 12.2],
    ]);
  });

  it("finds nothing in silence or noise the model rates below the threshold", () => {
    assert.deepEqual(speechSpans(frames(10, [[0, 10, 0.3]]), settings), []);
  });
});

describe("planSpeechWindows", () => {
  it("packs speech into windows of at most 30 s with the long pauses cut out", () => {
    const runs: [number, number, number][] = [];
    for (let s = 0; s < 100; s += 10) runs.push([s + 2, s + 7.5, 0.9]); // 5.5 s of speech every 10 s
    const windows = planSpeechWindows(frames(100, runs), settings);
    for (const window of windows) {
      const heard = window.pieces.reduce((sum, p) => sum + p.end - p.start, 0);
      assert.ok(heard <= 30 * RATE);
    }
    assert.equal(windows.length, 2, "55 s of speech in two windows, not four fixed ones");
    assert.deepEqual(
      windows.flatMap((w) => seconds(w.pieces)),
      runs.map(([start, end]) => [start, end]),
    );
  });

  it("splits one overlong stretch at its quietest moment", () => {
    const f = frames(50, [
      [1, 49, 0.9],
      [21, 21.1, 0.55], // the quietest point, still speech
    ]);
    const windows = planSpeechWindows(f, settings);
    assert.equal(windows.length, 2);
    const [first, second] = windows;
    const cutS = first!.end / RATE;
    assert.ok(cutS >= 21 && cutS <= 21.1, `cut at ${cutS} s, inside the quiet 0.1 s`);
    assert.equal(second!.start, first!.end, "nothing lost at the cut");
    assert.ok(Math.abs(second!.end - 49 * RATE) <= FRAME);
  });

  it("gives no windows for a recording without speech", () => {
    assert.deepEqual(planSpeechWindows(frames(30, []), settings), []);
  });
});
