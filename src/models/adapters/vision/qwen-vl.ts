/**
 * The vision model: a Qwen3.5 vision-language model (processor + vision encoder + decoder)
 * loaded by the runtime as an `image-text-to-text` model. One job answers one conversation
 * about its images: the turns go through the model's chat template with reasoning off, each
 * image through the image processor (resized within its pixel limits and patched), and the
 * answer is streamed through a callback as tokens are decoded. An aborted signal stops
 * generation at the next token, as for chat. A follow-up question about the same pictures
 * reuses their encoding ({@link EncodedImages}).
 */
import {
  RawImage,
  TextStreamer,
  type PreTrainedTokenizer,
  type Tensor,
} from "@huggingface/transformers";
import type { Logger } from "pino";
import { InputError } from "../../../shared/errors.js";
import type { RuntimeSettings } from "../../runtime/environment.js";
import type { ImageTextToTextPipeline, PipelineFactory } from "../../runtime/pipeline.js";
import {
  createTransformersModel,
  type TransformersModel,
  type TransformersModelSpecWithFallback,
} from "../../runtime/transformers-model.js";
import { decode } from "../decode.js";
import { EncodedImages, type ImageEncoder } from "./encoded-images.js";
import { imagePatches, type QwenImageProcessor } from "./patches.js";
import type { VisionRequest, VisionResult, VisionTurn } from "./types.js";

export interface VisionModelOptions {
  /** Manager key (default "vision"). */
  id?: string;
  /** The catalogue's vision entry; its fallback (a smaller Qwen3.5) becomes the fallback variant. */
  spec: TransformersModelSpecWithFallback;
  runtime: RuntimeSettings;
  logger: Logger;
  /**
   * Most pixels an image is processed at (the service's VISION_MAX_PIXELS); the processor's
   * own limit applies when it is lower or this is unset.
   */
  maxPixels?: number;
  /** Test seam: how pipelines are built (default: transformers.js). */
  pipelineFactory?: PipelineFactory;
}

/** The vision model as the manager sees it. */
export function createVisionModel(
  options: VisionModelOptions,
): TransformersModel<VisionRequest, VisionResult, ImageTextToTextPipeline> {
  const { id = "vision", maxPixels, ...rest } = options;
  return createTransformersModel<VisionRequest, VisionResult, ImageTextToTextPipeline>({
    ...rest,
    id,
    task: "vision",
    run: (pipe, request, signal) =>
      generateVision(pipe, request, signal, maxPixels === undefined ? {} : { maxPixels }),
  });
}

/** The placeholder the chat template writes per image; the processor repeats it per token. */
const IMAGE_TOKEN = "<|image_pad|>";

/** Runs one vision request through a loaded processor and model. */
export async function generateVision(
  pipe: ImageTextToTextPipeline,
  request: VisionRequest,
  signal: AbortSignal,
  limits: { maxPixels?: number } = {},
): Promise<VisionResult> {
  const { processor, model } = pipe;
  const tokenizer = processor.tokenizer as PreTrainedTokenizer;
  const imageProcessor = processor.image_processor as unknown as QwenImageProcessor;
  const order = imageOrder(request);
  // Reasoning off: the template closes an empty <think> block, the answer is all visible text.
  const templateOptions = { add_generation_prompt: true, enable_thinking: false };
  const prompt = processor.apply_chat_template(
    conversation(request.turns),
    templateOptions,
  ) as string;

  if (limits.maxPixels !== undefined) {
    imageProcessor.max_pixels = Math.min(imageProcessor.max_pixels, limits.maxPixels);
  }
  const vision = await encodedImagesOf(model).inputs(
    order.map((index) => request.images[index]!),
    imageProcessor.max_pixels,
    async () =>
      imagePatches(
        imageProcessor,
        await Promise.all(order.map((index) => decodeImage(request.images[index], index))),
      ),
  );
  const text = expandImageTokens(prompt, vision?.tokensPerImage ?? []);
  const inputs = tokenizer(text, { add_special_tokens: false }) as {
    input_ids: Tensor;
    attention_mask: Tensor;
  };
  const promptTokens = Number(inputs.input_ids.dims.at(-1));
  const contextTokens = Number(tokenizer.model_max_length);
  if (promptTokens + request.maxNewTokens > contextTokens) {
    throw new InputError(
      "input.too_long",
      `the prompt takes ${promptTokens} tokens (images included); with ${request.maxNewTokens} ` +
        `to generate it exceeds the model's context of ${contextTokens}`,
      { tokens: promptTokens, limit: contextTokens - request.maxNewTokens },
    );
  }

  let answer = "";
  const streamer = new TextStreamer(tokenizer, {
    skip_prompt: true,
    skip_special_tokens: true,
    callback_function: (piece: string) => {
      if (signal.aborted || piece === "") return;
      answer += piece;
      request.onText?.(piece);
    },
  });
  const generated = await decode(model, {
    inputs: {
      ...inputs,
      ...(vision ? { pixel_values: vision.pixelValues, image_grid_thw: vision.gridThw } : {}),
    },
    maxNewTokens: request.maxNewTokens,
    streamer,
    signal,
  });
  return {
    text: answer,
    generatedTokens: generated.length,
    promptTokens,
    truncated: generated.length >= request.maxNewTokens,
  };
}

/** Each loaded model's remembered pictures; they go with the model when it is unloaded. */
const encodedImages = new WeakMap<object, EncodedImages>();

function encodedImagesOf(model: ImageTextToTextPipeline["model"]): EncodedImages {
  let images = encodedImages.get(model);
  if (!images) {
    images = new EncodedImages(model as ImageEncoder);
    encodedImages.set(model, images);
  }
  return images;
}

/**
 * The images in the order their placeholders appear in the prompt (turn by turn). Every
 * image must be shown exactly once, and only by a user turn: anything else is a caller's
 * mistake the model would silently misread.
 */
function imageOrder({ images, turns }: VisionRequest): number[] {
  if (turns.length === 0 || turns.every((turn) => turn.text.trim() === "")) {
    throw new InputError("input.empty", "a vision request needs at least one non-empty turn");
  }
  const order = turns.flatMap((turn) => {
    if (turn.images?.length && turn.role !== "user") {
      throw new InputError("input.unsupported", `a ${turn.role} turn cannot show images`);
    }
    return turn.images ?? [];
  });
  const shown = new Set(order);
  if (
    order.length !== images.length ||
    shown.size !== order.length ||
    order.some((index) => !Number.isInteger(index) || index < 0 || index >= images.length)
  ) {
    throw new InputError(
      "input.unsupported",
      `the turns show images [${order.join(", ")}] but the request carries ${images.length}`,
      { images: images.length },
    );
  }
  return order;
}

/** Chat-template messages: a user turn's images come before its text, as placeholders. */
function conversation(turns: readonly VisionTurn[]) {
  return turns.map(({ role, text, images }) =>
    images?.length
      ? {
          role,
          content: [...images.map(() => ({ type: "image" })), { type: "text", text }],
        }
      : { role, content: text },
  );
}

async function decodeImage(bytes: Uint8Array | undefined, index: number): Promise<RawImage> {
  try {
    return await RawImage.fromBlob(new Blob([bytes ?? new Uint8Array()]));
  } catch (error) {
    throw new InputError(
      "image.corrupt",
      `image ${index} cannot be decoded`,
      { image: index },
      { cause: error },
    );
  }
}

/** Each image's placeholder repeated once per image token, as Qwen2VLProcessor does. */
function expandImageTokens(prompt: string, tokensPerImage: readonly number[]): string {
  let index = 0;
  return prompt.replaceAll(IMAGE_TOKEN, () => IMAGE_TOKEN.repeat(tokensPerImage[index++] ?? 1));
}
