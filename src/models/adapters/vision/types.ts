/**
 * The vision task as services see it: images and a conversation in, generated text out.
 * A vision-language model (Qwen3.5 with its vision encoder) answers about the images, reads
 * them as Markdown or turns a chart into a table; which of these it does is up to the words
 * of the request. Services hold a `ModelHandle<VisionRequest, VisionResult>` and never see
 * the processor or the ONNX sessions.
 */

/** One turn of the conversation sent to the model. */
export interface VisionTurn {
  role: "system" | "user" | "assistant";
  text: string;
  /**
   * Images shown before this turn's text, as indexes into {@link VisionRequest.images}.
   * Only user turns carry images.
   */
  images?: readonly number[];
}

/** One vision job. */
export interface VisionRequest {
  /** Encoded images (PNG or JPEG), already downscaled to the service's pixel budget. */
  images: readonly Uint8Array[];
  turns: readonly VisionTurn[];
  /** Cap on generated tokens; generation stops there and the result says `truncated`. */
  maxNewTokens: number;
  /** Receives the answer piece by piece as it is decoded. Not called after the signal aborts. */
  onText?: (piece: string) => void;
}

export interface VisionResult {
  /** The answer (reasoning is off for vision jobs, so this is all visible text). */
  text: string;
  /** Tokens generated, the end-of-turn token included. */
  generatedTokens: number;
  /** Tokens of the prompt, image tokens included. */
  promptTokens: number;
  /** True when generation stopped at `maxNewTokens` rather than at the end of the turn. */
  truncated: boolean;
}
