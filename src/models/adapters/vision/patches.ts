/**
 * Images as the Qwen vision encoder's patches, in one pass per image.
 *
 * transformers.js's Qwen2VLImageProcessor builds the same numbers through two generic tensor
 * permutes (pixels to channels-first, then a 9-dimensional patch shuffle) and a copy per
 * temporal frame, all in JavaScript on the calling thread. Profiled under load (bench:load,
 * 180 users asking about pictures) those permutes were 40% of the bot's main thread, about
 * 100 ms for a 1200×200 picture and more for a phone photo, repeated for every picture in
 * context on every question. Here the processor still decides the size (its `resize`, with its
 * pixel limits and resampling); the rescale and normalisation become a 256-entry table per
 * channel and each output value is written once, straight into one buffer for all images.
 *
 * The result equals the processor's own output bit for bit (tests/models/vision-patches.test.ts);
 * a processor configured with a step this path doesn't do (padding, cropping, channel flips)
 * goes through the processor itself.
 */
import { cat, Tensor, type RawImage } from "@huggingface/transformers";

/** The parts of transformers.js's Qwen2VLImageProcessor (and its config) that are read. */
export interface QwenImageProcessor {
  (image: RawImage): Promise<{ pixel_values: Tensor; image_grid_thw: Tensor }>;
  resize(image: RawImage): Promise<RawImage>;
  max_pixels: number;
  do_convert_rgb?: boolean;
  do_resize?: boolean;
  do_rescale?: boolean;
  rescale_factor: number;
  do_normalize?: boolean;
  image_mean?: number | number[];
  image_std?: number | number[];
  do_pad?: boolean;
  do_center_crop?: boolean;
  do_thumbnail?: boolean;
  do_crop_margin?: boolean;
  do_flip_channel_order?: boolean;
  config: { merge_size: number; patch_size: number; temporal_patch_size: number };
}

/** The images' patches stacked, their grids (t, h, w) and the image tokens each one takes. */
export interface ImagePatches {
  pixelValues: Tensor;
  gridThw: Tensor;
  tokensPerImage: number[];
}

const CHANNELS = 3;

/** Patches for the images, in order; `undefined` for none. */
export async function imagePatches(
  processor: QwenImageProcessor,
  images: readonly RawImage[],
): Promise<ImagePatches | undefined> {
  if (images.length === 0) return undefined;
  const { merge_size: merge, patch_size: patch, temporal_patch_size: frames } = processor.config;
  const mergeArea = merge ** 2;
  if (!fastPathApplies(processor)) return processorPatches(processor, images, mergeArea);

  const resized: RawImage[] = [];
  for (const image of images) {
    const rgb = processor.do_convert_rgb === false ? image : image.rgb();
    resized.push(processor.do_resize === false ? rgb : await processor.resize(rgb));
  }
  const grids = resized.map((image) => {
    if (
      image.channels !== CHANNELS ||
      image.height % (patch * merge) ||
      image.width % (patch * merge)
    )
      return undefined;
    return { h: image.height / patch, w: image.width / patch };
  });
  if (grids.some((grid) => grid === undefined))
    return processorPatches(processor, images, mergeArea);

  const rowLength = CHANNELS * frames * patch * patch;
  const rows = grids.reduce((sum, grid) => sum + grid!.h * grid!.w, 0);
  const values = new Float32Array(rows * rowLength);
  const table = valueTable(processor);
  let offset = 0;
  resized.forEach((image, index) => {
    offset = writePatches(values, offset, image.data, image.width, grids[index]!, table, {
      merge,
      patch,
      frames,
    });
  });
  const gridThw = grids.flatMap((grid) => [1n, BigInt(grid!.h), BigInt(grid!.w)]);
  return {
    pixelValues: new Tensor("float32", values, [rows, rowLength]),
    gridThw: new Tensor("int64", BigInt64Array.from(gridThw), [images.length, 3]),
    tokensPerImage: grids.map((grid) => (grid!.h * grid!.w) / mergeArea),
  };
}

/** Only the steps Qwen's processors are configured with; anything else goes the slow way. */
function fastPathApplies(processor: QwenImageProcessor): boolean {
  return !(
    processor.do_pad ||
    processor.do_center_crop ||
    processor.do_thumbnail ||
    processor.do_crop_margin ||
    processor.do_flip_channel_order
  );
}

/**
 * Every pixel value 0..255 of each channel as the processor turns it into a float: rescaled
 * then normalised, each step rounded to float32 as the processor's Float32Array stores it.
 */
function valueTable(processor: QwenImageProcessor): Float32Array {
  const perChannel = (setting: number | number[] | undefined, fallback: number) =>
    Array.from({ length: CHANNELS }, (_, c) =>
      Array.isArray(setting) ? setting[c]! : (setting ?? fallback),
    );
  const mean = perChannel(processor.image_mean, 0);
  const std = perChannel(processor.image_std, 1);
  const table = new Float32Array(CHANNELS * 256);
  for (let c = 0; c < CHANNELS; c++) {
    for (let v = 0; v < 256; v++) {
      let x = processor.do_rescale === false ? v : Math.fround(processor.rescale_factor * v);
      if (processor.do_normalize) x = (x - mean[c]!) / std[c]!;
      table[c * 256 + v] = x;
    }
  }
  return table;
}

/**
 * Writes one image's patches from `offset` on and returns where the next image starts.
 * Rows go merge block by merge block (block row, block column, then the merge×merge patches
 * inside it, row-major); a row holds each channel's `frames` copies of the patch's pixels
 * (a still image is its own frames), row-major. This is the processor's
 * view(t, frames, C, H/patch/merge, merge, patch, W/patch/merge, merge, patch)
 *   .permute(0, 3, 6, 4, 7, 2, 1, 5, 8) layout.
 */
function writePatches(
  out: Float32Array,
  offset: number,
  pixels: ArrayLike<number>,
  width: number,
  grid: { h: number; w: number },
  table: Float32Array,
  { merge, patch, frames }: { merge: number; patch: number; frames: number },
): number {
  const patchArea = patch * patch;
  let at = offset;
  for (let blockY = 0; blockY < grid.h / merge; blockY++) {
    for (let blockX = 0; blockX < grid.w / merge; blockX++) {
      for (let my = 0; my < merge; my++) {
        for (let mx = 0; mx < merge; mx++) {
          const top = (blockY * merge + my) * patch;
          const left = (blockX * merge + mx) * patch;
          for (let c = 0; c < CHANNELS; c++) {
            const frameStart = at;
            const lut = c * 256;
            for (let py = 0; py < patch; py++) {
              let source = ((top + py) * width + left) * CHANNELS + c;
              for (let px = 0; px < patch; px++, source += CHANNELS) {
                out[at++] = table[lut + pixels[source]!]!;
              }
            }
            for (let f = 1; f < frames; f++) {
              out.copyWithin(at, frameStart, frameStart + patchArea);
              at += patchArea;
            }
          }
        }
      }
    }
  }
  return at;
}

/**
 * The processor's own path, one image at a time and concatenated: transformers.js 4.3.1's
 * Qwen2VLProcessor stacks several images as frames of one video, which fails on images of
 * different sizes and miscounts tokens on equal ones.
 */
async function processorPatches(
  processor: QwenImageProcessor,
  images: readonly RawImage[],
  mergeArea: number,
): Promise<ImagePatches> {
  const processed = [];
  for (const image of images) processed.push(await processor(image));
  return {
    pixelValues: cat(
      processed.map((p) => p.pixel_values),
      0,
    ),
    gridThw: cat(
      processed.map((p) => p.image_grid_thw),
      0,
    ),
    tokensPerImage: processed.map(({ image_grid_thw }) => {
      const [t = 0n, h = 0n, w = 0n] = (image_grid_thw.tolist() as bigint[][])[0] ?? [];
      return Number(t * h * w) / mergeArea;
    }),
  };
}
