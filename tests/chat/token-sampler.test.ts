/** Choosing tokens: top-k, temperature and the nucleus. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  drawToken,
  topIndices,
  type SamplingSettings,
} from "../../src/models/adapters/token-sampler.js";

/** Logits whose softmax at temperature 1 is `probabilities`, after `noise` unlikely tokens. */
function logitsOf(probabilities: number[], noise = 0): Float32Array {
  return Float32Array.from([...Array<number>(noise).fill(-30), ...probabilities.map(Math.log)]);
}

const settings = (overrides: Partial<SamplingSettings>): SamplingSettings => ({
  temperature: 1,
  topP: 1,
  topK: 50,
  ...overrides,
});

describe("topIndices", () => {
  it("finds the k largest, largest first, as a full sort does", () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16_807) % 2_147_483_647) - 1) / 2_147_483_646;
    for (const k of [1, 3, 20, 50, 1_000]) {
      const values = Float32Array.from({ length: 500 }, () => Math.round(random() * 200) / 10);
      const sorted = [...values.keys()].sort((a, b) => values[b]! - values[a]!);
      const top = topIndices(values, k);
      assert.equal(top.length, Math.min(k, values.length));
      assert.deepEqual(
        top.map((index) => values[index]),
        sorted.slice(0, k).map((index) => values[index]),
        `k=${k}`,
      );
    }
  });

  it("orders negative, zero, infinite and positive values as floats, in a view of a larger row", () => {
    let seed = 11;
    const random = () => ((seed = (seed * 16_807) % 2_147_483_647) - 1) / 2_147_483_646;
    const rowOf = (special: number[], value: (i: number) => number) =>
      Float32Array.from({ length: 403 }, (_, i) =>
        i % 37 === 0 ? special[(i / 37) % special.length]! : value(i),
      );
    const rows = {
      negative: rowOf([-Infinity, -0, -1e-40, -3.5, NaN], () => -random() * 50),
      // Negative at first (a negative floor), then larger (the floor turns positive).
      mixed: rowOf([-Infinity, Infinity, -0, 0, -1e-40, 1e-40, -3.5, 3.5, NaN], (i) =>
        i < 200 ? (random() - 0.9) * 50 : (random() - 0.2) * 50,
      ),
    };
    for (const [name, row] of Object.entries(rows)) {
      const values = row.subarray(3);
      const sorted = [...values.keys()]
        .filter((index) => !Number.isNaN(values[index]!))
        .sort((a, b) => values[b]! - values[a]! || a - b);
      for (const k of [1, 2, 5, 20, 60]) {
        assert.deepEqual(
          topIndices(values, k).map((index) => values[index]),
          sorted.slice(0, k).map((index) => values[index]),
          `${name}, k=${k}`,
        );
      }
    }
  });

  it("finds the largest wherever they are: in the first k, in a group of eight, at the end", () => {
    for (const length of [9, 10, 11, 12, 13, 17, 21]) {
      for (const at of [0, 3, length - 2, length - 1]) {
        const values = new Float32Array(length).fill(-5);
        values[at] = 7;
        values[(at + 1) % length] = 6;
        assert.deepEqual(topIndices(values, 2), [at, (at + 1) % length], `${at} of ${length}`);
      }
    }
  });

  it("never picks NaN, and keeps the earlier of equal values first", () => {
    const values = Float32Array.from([NaN, 1, NaN, 3, 3, NaN, 2, NaN, NaN]);
    assert.deepEqual(topIndices(values, 3), [3, 4, 6]);
    assert.deepEqual(topIndices(values, 9), [3, 4, 6, 1]);
  });
});

describe("drawToken", () => {
  // Tokens 10, 11, 12 with probabilities 0.6, 0.3 and 0.1; ten unlikely ones before them.
  const logits = logitsOf([0.6, 0.3, 0.1], 10);
  const draw = (overrides: Partial<SamplingSettings>, r: number) =>
    drawToken(logits, settings(overrides), () => r);

  it("draws in proportion to the probabilities at temperature 1", () => {
    assert.equal(draw({}, 0.59), 10);
    assert.equal(draw({}, 0.61), 11);
    assert.equal(draw({}, 0.89), 11);
    assert.equal(draw({}, 0.91), 12);
  });

  it("keeps only the nucleus that reaches topP", () => {
    for (const r of [0, 0.5, 0.999]) {
      assert.equal(draw({ topP: 0.5 }, r), 10);
    }
    // 0.6 + 0.3 reach 0.85: token 12 is out, and 0.6 of the 0.9 kept goes to token 10.
    assert.equal(draw({ topP: 0.85 }, 0.66), 10);
    assert.equal(draw({ topP: 0.85 }, 0.67), 11);
    assert.equal(draw({ topP: 0.85 }, 0.999), 11);
  });

  it("sharpens the distribution below temperature 1", () => {
    // At 0.5 the weights are 0.36, 0.09 and 0.01: token 10 takes 0.36 / 0.46 ≈ 0.78.
    assert.equal(draw({ temperature: 0.5 }, 0.77), 10);
    assert.equal(draw({ temperature: 0.5 }, 0.79), 11);
  });

  it("draws only among the topK likeliest", () => {
    assert.equal(draw({ topK: 1 }, 0.999), 10);
    assert.equal(draw({ topK: 2 }, 0.999), 11);
  });
});
