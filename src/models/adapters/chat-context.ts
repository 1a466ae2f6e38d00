/**
 * What the model sees of a conversation: the system prompt, as many of the newest stored turns
 * as fit the token budget (oldest first), and the current message. The system prompt and the
 * current message are always sent, even when they alone exceed the budget; history is what
 * gives way. Turns are counted with the model's own tokenizer, so the fitting happens where
 * the model is loaded (the main thread, a worker thread, a cluster worker).
 */
import type { ChatMessage, TokenCounter } from "./chat-qwen.js";

/**
 * Tokens a chat template adds around each message's text. ChatML (Qwen) wraps every message
 * in `<|im_start|>{role}\n … <|im_end|>\n`: four tokens.
 */
export const MESSAGE_FRAME_TOKENS = 4;

/** A conversation for the model to fit to a token budget: plain data, it crosses threads. */
export interface ConversationToFit {
  systemPrompt: string;
  /** Stored turns of the current conversation, oldest first. */
  history: readonly { role: "user" | "assistant"; text: string }[];
  message: string;
  /** Tokens the whole prompt (system, history, message) should stay within. */
  budgetTokens: number;
}

/**
 * What a chat request sends the model: its messages as they are, or its conversation fitted
 * to the budget with `countTokens` (and how many stored turns went along).
 */
export function messagesToSend(
  messages: readonly ChatMessage[] | ConversationToFit,
  countTokens: TokenCounter,
): { messages: readonly ChatMessage[]; historyTurns?: number } {
  return isConversationToFit(messages)
    ? fitConversation({ ...messages, countTokens })
    : { messages };
}

function isConversationToFit(
  messages: readonly ChatMessage[] | ConversationToFit,
): messages is ConversationToFit {
  return !Array.isArray(messages);
}

export interface ConversationInput extends ConversationToFit {
  countTokens: TokenCounter;
}

export interface FittedConversation {
  messages: ChatMessage[];
  /** Stored turns sent along. */
  historyTurns: number;
  /** Estimated prompt tokens (text plus framing). */
  tokens: number;
}

export function fitConversation(input: ConversationInput): FittedConversation {
  const cost = (text: string) => input.countTokens(text) + MESSAGE_FRAME_TOKENS;
  let tokens = cost(input.systemPrompt) + cost(input.message);
  const kept: ChatMessage[] = [];
  for (let index = input.history.length - 1; index >= 0; index--) {
    const turn = input.history[index]!;
    const turnTokens = cost(turn.text);
    // The newest turns that fit, without gaps: skipping a long turn to squeeze in older
    // ones would hand the model a conversation that never happened.
    if (tokens + turnTokens > input.budgetTokens) break;
    tokens += turnTokens;
    kept.push({ role: turn.role, content: turn.text });
  }
  kept.reverse();
  // An answer whose question was cut off reads as the assistant speaking first.
  while (kept[0]?.role === "assistant") {
    tokens -= cost(kept.shift()!.content);
  }
  return {
    messages: [
      { role: "system", content: input.systemPrompt },
      ...kept,
      { role: "user", content: input.message },
    ],
    historyTurns: kept.length,
    tokens,
  };
}
