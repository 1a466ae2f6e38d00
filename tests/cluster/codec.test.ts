import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decode, decodeError, encode, encodeError } from "../../src/cluster/codec.js";
import { AppError, InputError } from "../../src/shared/errors.js";

describe("cluster codec", () => {
  it("carries PCM samples, bytes and Buffers through JSON", () => {
    const samples = new Float32Array([0.5, -0.25, 1e-7]);
    const input = {
      samples,
      image: Buffer.from([1, 2, 255]),
      bytes: new Uint8Array([9, 8]),
      nested: { list: [new Float32Array([2])] },
      language: "ru",
    };
    const output = decode<typeof input>(encode(input, 1e6));
    assert.deepEqual(output.samples, samples);
    assert.deepEqual([...output.image], [1, 2, 255]);
    assert.ok(output.bytes instanceof Uint8Array);
    assert.deepEqual([...output.bytes], [9, 8]);
    assert.deepEqual(output.nested.list[0], new Float32Array([2]));
    assert.equal(output.language, "ru");
  });

  it("drops functions", () => {
    assert.deepEqual(decode(encode({ a: 1, f: () => 2 }, 100)), { a: 1 });
  });

  it("refuses a payload above the limit, with the limit in MB", () => {
    assert.throws(
      () => encode({ bytes: new Uint8Array(3 * 2 ** 20) }, 2 * 2 ** 20),
      (error: unknown) =>
        error instanceof InputError &&
        error.code === "input.too_large" &&
        error.details.limitMb === 2,
    );
  });

  it("carries an AppError's code and details through a failure reason", () => {
    const reason = encodeError(new AppError("audio.too_long", "too long", { maxSeconds: 60 }));
    const error = decodeError(reason, (text) => new Error(text));
    assert.ok(error instanceof AppError);
    assert.equal(error.code, "audio.too_long");
    assert.deepEqual(error.details, { maxSeconds: 60 });
    const plain = decodeError(encodeError(new Error("boom")), (text) => new Error(`x ${text}`));
    assert.equal(plain.message, "x boom");
  });
});
