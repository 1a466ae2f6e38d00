import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Tensor } from "@huggingface/transformers";
import { detectLanguage, type WhisperPipeline } from "../../src/models/adapters/asr-whisper.js";
import { float16BitsToNumber, toFloat32 } from "../../src/models/runtime/tensor.js";

/** Half-precision bits of 1, -2, 65504 (max), 2^-24 (smallest subnormal), -0, +Inf, NaN. */
const HALF_BITS = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7c00, 0x7e00];

describe("toFloat32", () => {
  it("decodes a float16 tensor's bits into values", () => {
    const tensor = new Tensor("float16", new Uint16Array(HALF_BITS), [HALF_BITS.length]);
    assert.ok(tensor.data instanceof Uint16Array, "onnxruntime hands float16 over as raw bits");
    const values = [...toFloat32(tensor)];
    assert.deepEqual(values.slice(0, 5), [1, -2, 65504, 2 ** -24, -0]);
    assert.equal(values[5], Infinity);
    assert.ok(Number.isNaN(values[6]));
    // The same conversion transformers.js applies, value for value.
    assert.deepEqual(
      values.slice(0, 6),
      [...(tensor.to("float32").data as Float32Array)].slice(0, 6),
    );
  });

  it("returns float32 data as it is and converts other numeric types", () => {
    const data = new Float32Array([0.5, -1.5]);
    assert.equal(toFloat32(new Tensor("float32", data, [2])), data);
    assert.deepEqual(
      [...toFloat32(new Tensor("int64", new BigInt64Array([3n, -4n]), [2]))],
      [3, -4],
    );
    assert.throws(
      () => toFloat32({ type: "bool", data: new Uint8Array([1]) }),
      /no numeric values/,
    );
  });

  it("agrees with the bit formula across the whole float16 range", () => {
    const bits = new Uint16Array(0x7c00).map((_, i) => i);
    const tensor = new Tensor("float16", bits, [bits.length]);
    const fromLibrary = tensor.to("float32").data as Float32Array;
    const ours = toFloat32(tensor);
    for (let i = 0; i < bits.length; i++) assert.equal(ours[i], fromLibrary[i], `bits ${i}`);
    assert.equal(float16BitsToNumber(0x3555), fromLibrary[0x3555]);
  });
});

describe("Whisper language detection on float16 logits", () => {
  it("picks the likeliest language, not the largest bit pattern", async () => {
    // Vocabulary of 4: <|startoftranscript|>=0, <|en|>=1, <|ru|>=2, other=3.
    // ru scores -1 (bits 0xbc00), en -8 (bits 0xc800): compared as raw bits, en would win.
    const logits = new Tensor(
      "float16",
      new Uint16Array([0xfc00, 0xc800, 0xbc00, 0xfc00]),
      [1, 1, 4],
    );
    const model = Object.assign(async () => ({ logits }), {
      generation_config: {
        decoder_start_token_id: 0,
        is_multilingual: true,
        lang_to_id: { "<|en|>": 1, "<|ru|>": 2 },
      },
    });
    const pipe = Object.assign(async () => ({}), {
      processor: async () => ({
        input_features: new Tensor("float32", new Float32Array(4), [1, 4]),
      }),
      model,
      dispose: async () => {},
    }) as unknown as WhisperPipeline;
    assert.equal(await detectLanguage(pipe, new Float32Array(16)), "ru");
  });
});
