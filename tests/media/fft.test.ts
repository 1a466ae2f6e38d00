/** The mixed-radix FFT against the DFT's definition, for lengths of every kind of factor. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Fft } from "../../src/media/fft.js";

function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31 - 0.5;
  };
}

/** X[k] = Σ x[t]·e^(−2πi·kt/n), term by term. */
function dft(re: Float64Array, im: Float64Array): [Float64Array, Float64Array] {
  const n = re.length;
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    for (let t = 0; t < n; t++) {
      const angle = (-2 * Math.PI * ((k * t) % n)) / n;
      outRe[k]! += re[t]! * Math.cos(angle) - im[t]! * Math.sin(angle);
      outIm[k]! += re[t]! * Math.sin(angle) + im[t]! * Math.cos(angle);
    }
  }
  return [outRe, outIm];
}

function maxDifference(a: Float64Array, b: Float64Array): number {
  return a.reduce((worst, value, i) => Math.max(worst, Math.abs(value - b[i]!)), 0);
}

describe("Fft", () => {
  // 1; powers of 2 and 4; Whisper's 400 = 4·4·5·5; 3s; a prime (one generic stage); 7².
  for (const n of [1, 2, 8, 16, 400, 27, 13, 49]) {
    it(`transforms ${n} complex points as the DFT does`, () => {
      const random = seeded(n);
      const re = Float64Array.from({ length: n }, random);
      const im = Float64Array.from({ length: n }, random);
      const [expectedRe, expectedIm] = dft(re, im);
      const outRe = new Float64Array(n);
      const outIm = new Float64Array(n);
      new Fft(n).transform(re, im, outRe, outIm);
      assert.ok(maxDifference(outRe, expectedRe) < 1e-9, `real part, n=${n}`);
      assert.ok(maxDifference(outIm, expectedIm) < 1e-9, `imaginary part, n=${n}`);
    });
  }

  it("treats a missing imaginary part as zeros, and can be reused", () => {
    const fft = new Fft(400);
    const random = seeded(7);
    for (let round = 0; round < 2; round++) {
      const re = Float64Array.from({ length: 400 }, random);
      const [expectedRe, expectedIm] = dft(re, new Float64Array(400));
      const outRe = new Float64Array(400);
      const outIm = new Float64Array(400);
      fft.transform(re, undefined, outRe, outIm);
      assert.ok(maxDifference(outRe, expectedRe) < 1e-9);
      assert.ok(maxDifference(outIm, expectedIm) < 1e-9);
    }
  });

  it("refuses a length that is not a positive integer", () => {
    assert.throws(() => new Fft(0), RangeError);
    assert.throws(() => new Fft(2.5), RangeError);
  });
});
