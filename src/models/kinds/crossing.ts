/**
 * A request as it leaves the thread that built it, for a model in a worker thread or, through
 * Redis, in a worker process. A chat request's messages may be a function of the model's
 * token counter, and the tokenizer lives where the model does: such a request leaves with its
 * messages composed with an estimate instead. Other requests leave as they are.
 */
import type { ChatRequest, TokenCounter } from "../adapters/chat-qwen.js";
import { kindRow } from "./table.js";

/**
 * Tokens of `text`, estimated: byte-level BPE vocabularies such as Qwen's average about
 * four UTF-8 bytes a token (Cyrillic takes two bytes a letter, so it counts double, as in
 * the real tokenizer).
 */
const estimateTokens: TokenCounter = (text) => Math.ceil(Buffer.byteLength(text) / 4);

/** `input`, a request of kind `kind`, with nothing in it that only this thread can work out. */
export function composedForCrossing(kind: string, input: unknown): unknown {
  if (kindRow(kind)?.wire !== "chat") return input;
  const request = input as ChatRequest;
  return typeof request.messages === "function"
    ? { ...request, messages: request.messages(estimateTokens) }
    : request;
}
