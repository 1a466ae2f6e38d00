/**
 * The chat model: a Qwen (qwen2 / qwen3 family) instruct model loaded as transformers.js's
 * `text-generation` pipeline, its prompt rendered with the model's own chat template. One job
 * generates one reply ({@link decode}): text pieces are streamed through a callback as tokens
 * are decoded, and an aborted signal stops generation at the next token, so the job settles
 * promptly and never leaves a decode running behind it.
 *
 * Token counting needs the model's tokenizer, which only exists where the model is loaded, so
 * a request may pass a conversation to fit instead of messages: the model trims its history to
 * the token budget inside the same job, without a second trip through the manager's queue,
 * and a request stays plain data wherever the model runs (a worker thread, a cluster worker).
 */
import { TextStreamer, type Tensor, type TextGenerationPipeline } from "@huggingface/transformers";
import type { Logger } from "pino";
import { InputError } from "../../shared/errors.js";
import type { RuntimeSettings } from "../runtime/environment.js";
import { messagesToSend, type ConversationToFit } from "./chat-context.js";
import { decode } from "./decode.js";
import { DEFAULT_TOP_K, type SamplingSettings } from "./token-sampler.js";
import type { PipelineFactory } from "../runtime/pipeline.js";
import {
  createTransformersModel,
  type TransformersModel,
  type TransformersModelSpecWithFallback,
} from "../runtime/transformers-model.js";

export type ChatRole = "system" | "user" | "assistant";

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/** Sampling settings for one generation. */
export interface GenerationSettings {
  maxNewTokens: number;
  /** 0 means greedy decoding (no sampling). */
  temperature: number;
  topP: number;
  /** 1 disables the penalty. */
  repetitionPenalty: number;
}

/** Number of tokens `text` takes with the model's tokenizer (no special tokens added). */
export type TokenCounter = (text: string) => number;

export interface ChatRequest {
  /** The conversation as it is, or one the model fits to a token budget with its tokenizer. */
  messages: readonly ChatMessage[] | ConversationToFit;
  settings: GenerationSettings;
  /**
   * Whether a reasoning model (Qwen3) may think before answering; passed to the chat template
   * as `enable_thinking`. Unset: the template's default. Templates without the switch ignore it.
   */
  thinking?: boolean;
  /**
   * Receives the assistant's turn piece by piece, raw: reasoning blocks (`<think>…</think>`)
   * included, starting with any `<think>` the chat template already opened in the prompt.
   * Not called after the signal aborts.
   */
  onText?: (piece: string) => void;
}

export interface ChatResult {
  /** The assistant's whole turn, raw (as streamed through `onText`). */
  text: string;
  /** Tokens generated, the end-of-turn token included. */
  generatedTokens: number;
  /** Tokens of the rendered prompt. */
  promptTokens: number;
  /** True when generation stopped at `maxNewTokens` rather than at the end of the turn. */
  truncated: boolean;
  /** Stored turns sent along, for a conversation to fit. */
  historyTurns?: number;
}

export interface ChatModelOptions {
  /** Manager key (default "chat"). */
  id?: string;
  /** The catalogue's chat entry; its fallback (a smaller Qwen) becomes the fallback variant. */
  spec: TransformersModelSpecWithFallback;
  runtime: RuntimeSettings;
  logger: Logger;
  /** Test seam: how pipelines are built (default: transformers.js). */
  pipelineFactory?: PipelineFactory;
}

/** The chat model as the manager sees it. */
export function createChatModel(
  options: ChatModelOptions,
): TransformersModel<ChatRequest, ChatResult, TextGenerationPipeline> {
  const { id = "chat", ...rest } = options;
  return createTransformersModel<ChatRequest, ChatResult, TextGenerationPipeline>({
    ...rest,
    id,
    task: "chat",
    run: generateChat,
  });
}

/** A prompt ending in an open reasoning block: the template started the model "thinking". */
const OPEN_THINK_AT_END = /<think>\s*$/;
const THINK_OPEN = "<think>";

/** Runs one chat request through a loaded text-generation pipeline. */
export async function generateChat(
  pipe: TextGenerationPipeline,
  request: ChatRequest,
  signal: AbortSignal,
): Promise<ChatResult> {
  const { tokenizer } = pipe;
  const countTokens: TokenCounter = (text) =>
    tokenizer.encode(text, { add_special_tokens: false }).length;
  const { messages, historyTurns } = messagesToSend(request.messages, countTokens);
  if (messages.length === 0 || messages.every((message) => message.content.trim() === "")) {
    throw new InputError("input.empty", "a chat request needs at least one non-empty message");
  }
  const conversation = messages.map(({ role, content }) => ({ role, content }));
  const templateOptions =
    request.thinking === undefined ? {} : { enable_thinking: request.thinking };
  const prompt = tokenizer.apply_chat_template(conversation, {
    tokenize: false,
    add_generation_prompt: true,
    ...templateOptions,
  }) as string;
  // The prompt goes to the model as encoded here. Handing the conversation to the pipeline
  // rendered and encoded it a second time, then decoded the prompt twice to cut it off the
  // output, which the streamer already gives without it.
  const inputs = tokenizer(prompt, { add_special_tokens: false }) as {
    input_ids: Tensor;
    attention_mask: Tensor;
  };
  const promptTokens = Number(inputs.input_ids.dims.at(-1));
  // A prompt the context can't hold with the answer is refused, not cut: cutting from the end
  // (what the pipeline did) loses the very message to answer.
  const contextTokens = Number(tokenizer.model_max_length);
  if (promptTokens + request.settings.maxNewTokens > contextTokens) {
    throw new InputError(
      "input.too_long",
      `the prompt takes ${promptTokens} tokens; with ${request.settings.maxNewTokens} to ` +
        `generate it exceeds the model's context of ${contextTokens}`,
      { tokens: promptTokens, limit: contextTokens - request.settings.maxNewTokens },
    );
  }

  let text = "";
  const emit = (piece: string) => {
    if (signal.aborted || piece === "") return;
    text += piece;
    request.onText?.(piece);
  };
  // Qwen3 thinking templates put "<think>" into the prompt; the model then writes only the
  // closing tag. Starting the turn with the opening tag keeps the raw stream well-formed.
  if (OPEN_THINK_AT_END.test(prompt)) emit(THINK_OPEN);

  const streamer = new TextStreamer(tokenizer, {
    skip_prompt: true,
    skip_special_tokens: true,
    callback_function: emit,
  });
  const sampling = samplingFor(request.settings, modelTopK(pipe));
  const generated = await decode(pipe.model, {
    inputs,
    maxNewTokens: request.settings.maxNewTokens,
    repetitionPenalty: request.settings.repetitionPenalty,
    ...(sampling ? { sampling } : {}),
    streamer,
    signal,
  });
  return {
    text,
    generatedTokens: generated.length,
    promptTokens,
    truncated: generated.length >= request.settings.maxNewTokens,
    ...(historyTurns === undefined ? {} : { historyTurns }),
  };
}

/** The `top_k` of the model's generation config, if it sets one. */
function modelTopK(pipe: TextGenerationPipeline): number | undefined {
  return pipe.model.generation_config?.top_k ?? undefined;
}

/**
 * How tokens are drawn for the settings: temperature 0 is greedy decoding (none); otherwise
 * from the `modelTopK` likeliest tokens (the model's generation config, or transformers.js's
 * default) with the temperature and the nucleus applied.
 */
export function samplingFor(
  settings: GenerationSettings,
  modelTopK?: number,
): SamplingSettings | undefined {
  if (settings.temperature <= 0) return undefined;
  const topK = modelTopK !== undefined && modelTopK > 0 ? modelTopK : DEFAULT_TOP_K;
  return { temperature: settings.temperature, topP: settings.topP, topK };
}
