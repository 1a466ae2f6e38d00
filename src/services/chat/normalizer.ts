/**
 * Normalization: the chat model cleans text that OCR or speech recognition produced
 * (punctuation, case, hyphenation, broken lines, obvious slips) without changing what it
 * says. Long text is cleaned in paragraph-aligned chunks, one model call per chunk; every
 * chunk's output passes the guard or that chunk stays raw. The chunks of a long text are
 * batch work, each re-entering the chat model's line, so a question asked meanwhile waits
 * for one chunk at most. Normalization is an improvement,
 * not a requirement: a model failure keeps the raw text (and is logged); only cancellation
 * propagates.
 */
import type { Logger } from "pino";
import type { ChatRequest, ChatResult } from "../../models/adapters/chat-qwen.js";
import { pieceClass, type ModelHandle, type RunOptions } from "../../models/contract.js";
import { isAppError } from "../../shared/errors.js";
import { chunkText, joinChunks } from "./chunking.js";
import { checkNormalization, DEFAULT_GUARD_LIMITS, type GuardLimits } from "./guard.js";
import { normalizationMessages, type NormalizationKind } from "./prompts.js";
import { stripThink } from "./think.js";

/** What the speech and documents services depend on. */
export interface Normalizer {
  normalize(
    text: string,
    kind: NormalizationKind,
    lang: string,
    options?: RunOptions,
  ): Promise<string>;
}

export interface NormalizationResult {
  /** The cleaned text; the input itself when nothing was accepted. */
  text: string;
  changed: boolean;
  /** Why the guard (or a model failure) kept raw text, per chunk; absent when all were accepted. */
  rejected?: string;
  /** Model calls made. */
  chunks: number;
}

export interface ChatNormalizerOptions {
  model: ModelHandle<ChatRequest, ChatResult>;
  logger: Logger;
  /** Characters per chunk (default 1500: about 400–600 Qwen tokens of Russian or English). */
  maxChunkChars?: number;
  limits?: GuardLimits;
}

export const DEFAULT_MAX_CHUNK_CHARS = 1500;
/** Upper bound on chars per generated token for the output budget (real text: 2.5–4). */
const CHARS_PER_TOKEN_FLOOR = 2;
const OUTPUT_TOKEN_MARGIN = 64;

export class ChatNormalizer implements Normalizer {
  private readonly model: ModelHandle<ChatRequest, ChatResult>;
  private readonly logger: Logger;
  private readonly maxChunkChars: number;
  private readonly limits: GuardLimits;

  constructor(options: ChatNormalizerOptions) {
    this.model = options.model;
    this.logger = options.logger;
    this.maxChunkChars = options.maxChunkChars ?? DEFAULT_MAX_CHUNK_CHARS;
    this.limits = options.limits ?? DEFAULT_GUARD_LIMITS;
  }

  async normalize(
    text: string,
    kind: NormalizationKind,
    lang: string,
    options: RunOptions = {},
  ): Promise<string> {
    return (await this.normalizeDetailed(text, kind, lang, options)).text;
  }

  async normalizeDetailed(
    text: string,
    kind: NormalizationKind,
    lang: string,
    options: RunOptions = {},
  ): Promise<NormalizationResult> {
    const chunks = chunkText(text, this.maxChunkChars);
    const pieceOptions = { ...options, workClass: pieceClass(chunks.length, options.workClass) };
    const outputs: string[] = [];
    const rejections: string[] = [];
    for (const [index, chunk] of chunks.entries()) {
      const outcome = await this.normalizeChunk(chunk.text, kind, lang, pieceOptions);
      outputs.push(outcome.text);
      if (outcome.rejected !== undefined) {
        const where = chunks.length > 1 ? `chunk ${index + 1}/${chunks.length}: ` : "";
        rejections.push(where + outcome.rejected);
      }
    }
    const changed = outputs.some((output, index) => output !== chunks[index]?.text);
    const result: NormalizationResult = {
      // Unchanged text is returned byte for byte, not re-joined from trimmed chunks.
      text: changed ? joinChunks(chunks, outputs) : text,
      changed,
      chunks: chunks.length,
    };
    if (rejections.length > 0) result.rejected = rejections.join("; ");
    return result;
  }

  private async normalizeChunk(
    raw: string,
    kind: NormalizationKind,
    lang: string,
    options: RunOptions,
  ): Promise<{ text: string; rejected?: string }> {
    const request: ChatRequest = {
      messages: normalizationMessages(raw, kind, lang),
      settings: {
        maxNewTokens:
          Math.ceil((raw.length * this.limits.maxLengthRatio) / CHARS_PER_TOKEN_FLOOR) +
          OUTPUT_TOKEN_MARGIN,
        // Greedy and unpenalized: cleaning is copying, and a repetition penalty punishes
        // exactly the tokens the output must repeat from the input.
        temperature: 0,
        topP: 1,
        repetitionPenalty: 1,
      },
      // Cleaning needs no reasoning; thinking would only cost time (and is stripped anyway).
      thinking: false,
    };
    let result: ChatResult;
    try {
      result = await this.model.run(request, options);
    } catch (error) {
      const code = isAppError(error) ? error.code : "internal";
      if (code === "job.cancelled" || options.signal?.aborted) throw error;
      this.logger.warn(
        { err: error, kind, lang, chars: raw.length },
        "normalization failed, keeping raw text",
      );
      return { text: raw, rejected: `model failed (${code})` };
    }
    const cleaned = tidyOutput(result.text, raw);
    const rejected = result.truncated
      ? "output hit the token limit"
      : checkNormalization(raw, cleaned, this.limits);
    if (rejected !== undefined) {
      this.logger.warn(
        { kind, lang, reason: rejected, chars: raw.length },
        "normalization rejected",
      );
      return { text: raw, rejected };
    }
    return { text: cleaned };
  }
}

/** Strips what chat models wrap around an answer: reasoning, a code fence, quotes the input lacked. */
export function tidyOutput(output: string, raw: string): string {
  let text = stripThink(output).trim();
  const fenced = /^```[\w-]*\n([\s\S]*?)\n?```$/.exec(text);
  if (fenced) text = fenced[1]!.trim();
  for (const [open, close] of [
    ['"', '"'],
    ["«", "»"],
    ["“", "”"],
  ] as const) {
    const rawTrimmed = raw.trim();
    if (text.startsWith(open) && text.endsWith(close) && text.length > 1) {
      if (!(rawTrimmed.startsWith(open) && rawTrimmed.endsWith(close)))
        text = text.slice(1, -1).trim();
    }
  }
  return text;
}
