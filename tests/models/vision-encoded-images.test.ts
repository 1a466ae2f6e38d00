/**
 * EncodedImages on a stand-in encoder: which sets of pictures are remembered, for how long,
 * and that a remembered set is neither prepared nor encoded again.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Tensor } from "@huggingface/transformers";
import {
  EncodedImages,
  type ImageEncoder,
} from "../../src/models/adapters/vision/encoded-images.js";
import type { ImagePatches } from "../../src/models/adapters/vision/patches.js";

/** An encoder making `rows` float32 features per call, counting its calls. */
function encoder(rows = 4) {
  const model = {
    calls: 0,
    encode_image: async ({ pixel_values }: { pixel_values: Tensor }) => {
      assert.ok(pixel_values.dims[0]! > 0, "the real encoder never sees a stand-in");
      model.calls += 1;
      return new Tensor("float32", new Float32Array(rows).fill(model.calls), [rows, 1]);
    },
  };
  return model;
}

function patches(rows = 8): ImagePatches {
  return {
    pixelValues: new Tensor("float32", new Float32Array(rows * 6), [rows, 6]),
    gridThw: new Tensor("int64", new BigInt64Array([1n, 2n, BigInt(rows / 2)]), [1, 3]),
    tokensPerImage: [rows / 4],
  };
}

/** Asks for `images` as a vision job does: inputs, then the encoder over them. */
async function ask(cache: EncodedImages, model: ImageEncoder, images: Uint8Array[], max = 1000) {
  let prepared = 0;
  const inputs = await cache.inputs(images, max, async () => {
    prepared += 1;
    return patches();
  });
  assert.ok(inputs);
  const features = await model.encode_image!({
    pixel_values: inputs.pixelValues,
    image_grid_thw: inputs.gridThw,
  });
  return { inputs, features, prepared };
}

const red = new Uint8Array([1, 2, 3]);
const blue = new Uint8Array([4, 5, 6]);

describe("EncodedImages", () => {
  it("gives a follow-up the first question's features without preparing or encoding", async () => {
    const model = encoder();
    const cache = new EncodedImages(model);
    const first = await ask(cache, model, [red]);
    const second = await ask(cache, model, [Uint8Array.from(red)]);
    assert.deepEqual([first.prepared, second.prepared, model.calls], [1, 0, 1]);
    assert.equal(second.features, first.features);
    assert.equal(second.inputs.pixelValues.dims[0], 0, "a stand-in, not the patches, is kept");
    assert.equal(second.inputs.gridThw, first.inputs.gridThw);
    assert.deepEqual(second.inputs.tokensPerImage, first.inputs.tokensPerImage);
  });

  it("tells sets apart by their images, their order and the pixel limit", async () => {
    const model = encoder();
    const cache = new EncodedImages(model);
    await ask(cache, model, [red, blue]);
    for (const [images, max] of [
      [[blue, red], 1000],
      [[red], 1000],
      [[red, blue], 500],
      [[new Uint8Array([1, 2]), new Uint8Array([3, 4, 5, 6])], 1000],
    ] as const) {
      const { prepared } = await ask(cache, model, [...images], max);
      assert.equal(prepared, 1, `${images.length} images at ${max}`);
    }
    assert.equal(model.calls, 5);
    assert.equal((await ask(cache, model, [red, blue])).prepared, 0, "the first set is still kept");
  });

  it("forgets the least recently asked set when the features outgrow the limit", async () => {
    const model = encoder(4); // 16 bytes of features + 24 of grid a set
    const cache = new EncodedImages(model, 80);
    const [a, b, c] = [[1], [2], [3]].map((bytes) => new Uint8Array(bytes));
    await ask(cache, model, [a!]);
    await ask(cache, model, [b!]);
    await ask(cache, model, [a!]); // a is now the most recent
    await ask(cache, model, [c!]); // 120 bytes: b goes
    assert.equal((await ask(cache, model, [a!])).prepared, 0);
    assert.equal((await ask(cache, model, [c!])).prepared, 0);
    assert.equal((await ask(cache, model, [b!])).prepared, 1);
  });

  it("keeps no set whose features alone exceed the limit", async () => {
    const model = encoder(100);
    const cache = new EncodedImages(model, 80);
    await ask(cache, model, [red]);
    assert.equal((await ask(cache, model, [red])).prepared, 1);
    assert.equal(model.calls, 2);
  });

  it("remembers nothing for patches the encoder never read (a job that failed before)", async () => {
    const model = encoder();
    const cache = new EncodedImages(model);
    await cache.inputs([red], 1000, async () => patches());
    assert.equal((await ask(cache, model, [red])).prepared, 1);
  });

  it("prepares every time for a model without encode_image, and for no images", async () => {
    const cache = new EncodedImages({});
    let prepared = 0;
    const prepare = async () => {
      prepared += 1;
      return patches();
    };
    await cache.inputs([red], 1000, prepare);
    await cache.inputs([red], 1000, prepare);
    assert.equal(prepared, 2);
    const withEncoder = new EncodedImages(encoder());
    assert.equal(
      await withEncoder.inputs([], 1000, async () => undefined),
      undefined,
      "no images, no inputs",
    );
  });
});
