import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import sharp from "sharp";
import { decode, decodeError, encode, encodeError } from "../../src/cluster/codec.js";
import { requestFromWire, requestToWire } from "../../src/cluster/wire.js";
import { defaultMaxPayloadBytes } from "../../src/config/index.js";
import type { VisionRequest } from "../../src/models/adapters/vision/index.js";
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

describe("cluster codec: vision requests", () => {
  /** An incompressible PNG at the vision pixel budget (VISION_MAX_PIXELS, 1280 × 1024). */
  const noisePng = (channels: 3 | 4) =>
    sharp(randomBytes(1280 * 1024 * channels), { raw: { width: 1280, height: 1024, channels } })
      .png()
      .toBuffer();

  it("carries every image's bytes exactly and drops the text callback", async () => {
    const photo = await noisePng(3);
    const request: VisionRequest = {
      images: [photo, new Uint8Array([0, 255, 7])],
      turns: [
        { role: "user", text: "What is here?", images: [0] },
        { role: "assistant", text: "A cat." },
        { role: "user", text: "And here?", images: [1] },
      ],
      maxNewTokens: 256,
      onText: () => undefined,
    };
    const { wire, onText } = requestToWire("vision", request);
    assert.equal(onText, request.onText);
    const output = decode<VisionRequest>(encode(wire, 32 * 2 ** 20));
    assert.equal(output.images.length, 2);
    assert.ok(output.images.every((image) => image instanceof Uint8Array));
    assert.ok(Buffer.from(output.images[0]!).equals(photo), "the photo's bytes, exactly");
    assert.deepEqual([...output.images[1]!], [0, 255, 7]);
    assert.deepEqual(output.turns, request.turns);
    assert.equal(output.maxNewTokens, 256);
    assert.equal("onText" in output, false);
    const pieces: string[] = [];
    const rebuilt = requestFromWire("vision", output, (piece) => pieces.push(piece));
    (rebuilt as VisionRequest).onText?.("a");
    assert.deepEqual(pieces, ["a"]);
  });

  it("fits several photos at the pixel budget in the smallest default payload limit", async () => {
    // RGBA noise is the worst case: a real photo at this size is a fraction of it.
    const photo = await noisePng(4);
    const limit = defaultMaxPayloadBytes(1);
    const request = (count: number) => ({
      images: Array.from({ length: count }, () => photo),
      turns: [{ role: "user", text: "?", images: [...Array(count).keys()] }],
      maxNewTokens: 8,
    });
    assert.ok(encode(request(4), limit).length <= limit);
    assert.throws(
      () => encode(request(5), limit),
      (error: unknown) => error instanceof InputError && error.code === "input.too_large",
    );
  });
});
