/**
 * A chat request can't cross Redis as the service builds it: its messages may be a function
 * of the model's token counter, and its text pieces go to a callback. The bot composes the
 * messages with an estimate (the tokenizer lives on the worker) and asks the worker to
 * stream; the worker rebuilds a request whose pieces go back as progress.
 */
import type { ChatRequest, TokenCounter } from "../models/adapters/chat-qwen.js";

/**
 * Tokens of `text`, estimated: byte-level BPE vocabularies such as Qwen's average about
 * four UTF-8 bytes a token (Cyrillic takes two bytes a letter, so it counts double, as in
 * the real tokenizer).
 */
export const estimateTokens: TokenCounter = (text) => Math.ceil(Buffer.byteLength(text) / 4);

/** The request without functions, and the callback its pieces go to. */
export function chatToWire(request: ChatRequest): {
  wire: ChatRequest;
  onText?: (piece: string) => void;
} {
  const { onText, messages, ...rest } = request;
  const wire = {
    ...rest,
    messages: typeof messages === "function" ? messages(estimateTokens) : messages,
  };
  return onText ? { wire, onText } : { wire };
}

/** The wire request with its pieces sent to `onText`. */
export function chatFromWire(wire: ChatRequest, onText?: (piece: string) => void): ChatRequest {
  return onText ? { ...wire, onText } : wire;
}
