/**
 * The vision adapter's one-pass patches against transformers.js's own Qwen2VLImageProcessor,
 * loaded from the fixture VLM's processor config: the same floats, bit for bit, and the same
 * grids, for pictures that are scaled up, scaled down, not RGB, and several at once.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AutoProcessor, cat, RawImage } from "@huggingface/transformers";
import { pino } from "pino";
import sharp from "sharp";
import { imagePatches, type QwenImageProcessor } from "../../src/models/adapters/vision/patches.js";
import { fixtureModelsDir, resolveProfile } from "../../src/models/catalogue/index.js";
import { configureRuntime } from "../../src/models/runtime/index.js";

configureRuntime({
  modelsDir: fixtureModelsDir,
  allowRemoteModels: false,
  logger: pino({ level: "silent" }),
});
const spec = resolveProfile("fixture", {}, { cudaAvailable: false }).models.vision;

async function loadProcessor(): Promise<QwenImageProcessor> {
  const processor = await AutoProcessor.from_pretrained(spec.modelId);
  return processor.image_processor as unknown as QwenImageProcessor;
}

/** A picture with a gradient and noise, so that every pixel position matters. */
async function picture(width: number, height: number, channels: 1 | 3 | 4): Promise<RawImage> {
  const raw = Buffer.alloc(width * height * channels);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7 + ((i * 2654435761) >>> 27)) & 0xff;
  const png = await sharp(raw, { raw: { width, height, channels } }).png().toBuffer();
  return RawImage.fromBlob(new Blob([png]));
}

/** What the processor itself gives for the images, one at a time and concatenated. */
async function reference(processor: QwenImageProcessor, images: RawImage[]) {
  const processed = [];
  for (const image of images) processed.push(await processor(image));
  return {
    values: cat(
      processed.map((p) => p.pixel_values),
      0,
    ),
    grids: cat(
      processed.map((p) => p.image_grid_thw),
      0,
    ),
  };
}

async function assertSameAsProcessor(processor: QwenImageProcessor, images: RawImage[]) {
  const expected = await reference(processor, images);
  const actual = await imagePatches(processor, images);
  assert.ok(actual);
  assert.deepEqual(actual.pixelValues.dims, expected.values.dims);
  assert.deepEqual(actual.gridThw.tolist(), expected.grids.tolist());
  const [a, b] = [actual.pixelValues.data as Float32Array, expected.values.data as Float32Array];
  const firstDifference = a.findIndex((value, i) => !Object.is(value, b[i]));
  assert.equal(
    firstDifference,
    -1,
    `value ${firstDifference}: ${a[firstDifference]} vs ${b[firstDifference]}`,
  );
  const merge = processor.config.merge_size ** 2;
  assert.deepEqual(
    actual.tokensPerImage,
    (expected.grids.tolist() as bigint[][]).map(([t, h, w]) => Number(t! * h! * w!) / merge),
  );
}

describe("vision patches", () => {
  it("match the processor for a small picture it scales up to its minimum", async () => {
    await assertSameAsProcessor(await loadProcessor(), [await picture(300, 200, 3)]);
  });

  it("match the processor for a wide line of text, RGBA, and a grey picture", async () => {
    const processor = await loadProcessor();
    await assertSameAsProcessor(processor, [await picture(1200, 200, 4)]);
    await assertSameAsProcessor(processor, [await picture(333, 517, 1)]);
  });

  it("match the processor for a picture scaled down to the pixel limit", async () => {
    const processor = await loadProcessor();
    processor.max_pixels = 96 * 1024;
    await assertSameAsProcessor(processor, [await picture(1280, 960, 3)]);
  });

  it("stack several pictures of different sizes in order", async () => {
    const processor = await loadProcessor();
    const images = [await picture(640, 480, 3), await picture(200, 900, 3)];
    await assertSameAsProcessor(processor, images);
  });

  it("leave a processor configured with padding to the processor itself", async () => {
    const processor = await loadProcessor();
    processor.do_pad = true;
    const result = await imagePatches(processor, [await picture(300, 200, 3)]);
    // The processor pads only with a pad size or divisibility: unset here, so the output is
    // the unpadded one, reached through its own path.
    const expected = await reference(processor, [await picture(300, 200, 3)]);
    assert.deepEqual(result?.pixelValues.dims, expected.values.dims);
  });

  it("give nothing for no pictures", async () => {
    assert.equal(await imagePatches(await loadProcessor(), []), undefined);
  });
});
