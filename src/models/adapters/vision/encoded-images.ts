/**
 * The vision encoder's output for the pictures recently asked about, so that a follow-up
 * question about the same pictures skips decoding, resizing and patching them and running the
 * vision encoder again: only the decoder reads the new question.
 *
 * A follow-up is the common case: a picture stays in a conversation's context for the next
 * questions (FOLLOW_UP_IMAGES), and every one of them used to redo the whole image path. With
 * a real model that is the vision encoder over every patch (seconds on a CPU for a 1 MP
 * photo); with the fixture it is the 20–30 ms of decoding, resizing and patching per picture.
 *
 * transformers.js encodes images inside `generate`, through the model's `encode_image`, with
 * the `pixel_values` it was given. The cache wraps that method: features of a remembered set
 * are returned for its stand-in, an empty tensor that takes the patches' place in `generate`,
 * so what is kept per set is the features alone (a few MB with a real model), not the patches
 * (24 MB for a 1 MP picture). A set is keyed by its images' bytes, in prompt order, and the
 * processor's pixel limit; its features are remembered once the encoder has made them.
 */
import { createHash } from "node:crypto";
import { Tensor } from "@huggingface/transformers";
import { LruByBytes } from "../../../shared/lru-by-bytes.js";
import type { ImagePatches } from "./patches.js";

/** The part of a vision-language model the cache wraps. */
export interface ImageEncoder {
  encode_image?: (inputs: { pixel_values: Tensor } & Record<string, unknown>) => Promise<Tensor>;
}

/**
 * Most bytes of features kept per model. A real Qwen3.5's features for a 1 MP picture take
 * 2–8 MB (about 1,300 tokens of its hidden size, in float16 or float32), so this keeps some
 * dozen recent pictures; the fixture's take a few hundred bytes.
 */
export const ENCODED_IMAGES_BYTES = 64 * 1024 * 1024;

export class EncodedImages {
  /** Each set's stand-in for the patches, with the real grids and token counts. */
  private readonly sets: LruByBytes<ImagePatches>;
  private readonly featuresOf = new WeakMap<Tensor, Tensor>();
  /** Patches handed out for a set not remembered yet, until the encoder has read them. */
  private readonly awaiting = new WeakMap<Tensor, { key: string; patches: ImagePatches }>();
  private readonly enabled: boolean;

  constructor(model: ImageEncoder, limitBytes = ENCODED_IMAGES_BYTES) {
    this.sets = new LruByBytes(limitBytes);
    const encode = model.encode_image?.bind(model);
    // A model without the method transformers.js 4.3 encodes through gets its patches every
    // time, as before; nothing is wrapped.
    this.enabled = encode !== undefined;
    if (!encode) return;
    model.encode_image = async (inputs) => {
      const known = this.featuresOf.get(inputs.pixel_values);
      if (known) return known;
      const features = await encode(inputs);
      const set = this.awaiting.get(inputs.pixel_values);
      if (set) this.remember(set.key, set.patches, features);
      return features;
    };
  }

  /**
   * What `generate` is given for `images` (in prompt order) at the processor's `maxPixels`:
   * the stand-in of a remembered set, or else the patches `prepare` makes.
   */
  async inputs(
    images: readonly Uint8Array[],
    maxPixels: number,
    prepare: () => Promise<ImagePatches | undefined>,
  ): Promise<ImagePatches | undefined> {
    if (!this.enabled || images.length === 0) return prepare();
    const key = setKey(images, maxPixels);
    const remembered = this.sets.get(key);
    if (remembered) return remembered;
    const patches = await prepare();
    if (patches) this.awaiting.set(patches.pixelValues, { key, patches });
    return patches;
  }

  private remember(key: string, patches: ImagePatches, features: Tensor): void {
    const [, rowLength = 0] = patches.pixelValues.dims;
    const standIn = new Tensor("float32", new Float32Array(0), [0, rowLength]);
    this.featuresOf.set(standIn, features);
    const bytes = byteLength(features) + byteLength(patches.gridThw);
    this.sets.set(key, { ...patches, pixelValues: standIn }, bytes);
  }
}

function setKey(images: readonly Uint8Array[], maxPixels: number): string {
  const hash = createHash("sha256").update(String(maxPixels));
  for (const image of images) {
    // Each image's length first, so that no two sets share the bytes hashed.
    hash.update(`|${image.byteLength}|`).update(image);
  }
  return hash.digest("base64");
}

function byteLength(tensor: Tensor): number {
  return (tensor.data as ArrayLike<unknown> & { byteLength: number }).byteLength;
}
