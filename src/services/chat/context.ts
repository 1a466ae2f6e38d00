/**
 * What the model sees of a conversation: the system prompt, as many of the newest stored turns
 * as fit the token budget (oldest first), and the current message. The system prompt and the
 * current message are always sent, even when they alone exceed the budget; history is what
 * gives way.
 */
import type { ChatMessage, TokenCounter } from "../../models/adapters/chat-qwen.js";
import type { HistoryTurn } from "../../memory/index.js";

/**
 * Tokens a chat template adds around each message's text. ChatML (Qwen) wraps every message
 * in `<|im_start|>{role}\n … <|im_end|>\n`: four tokens.
 */
export const MESSAGE_FRAME_TOKENS = 4;

export interface ConversationInput {
  systemPrompt: string;
  /** Stored turns of the current conversation, oldest first. */
  history: readonly Pick<HistoryTurn, "role" | "text">[];
  message: string;
  /** Tokens the whole prompt (system, history, message) should stay within. */
  budgetTokens: number;
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
