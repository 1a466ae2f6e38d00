/** A stub chat handle and settings for logic tests: no model runtime is loaded. */
import { pino } from "pino";
import type {
  ChatMessage,
  ChatRequest,
  ChatResult,
  TokenCounter,
} from "../../src/models/adapters/chat-qwen.js";
import { messagesToSend } from "../../src/models/adapters/chat-context.js";
import type { ModelHandle, RunOptions } from "../../src/models/contract.js";
import { cancelledError } from "../../src/shared/errors.js";

export const silent = pino({ level: "silent" });

export const SETTINGS = {
  maxNewTokens: 64,
  temperature: 0.7,
  topP: 0.9,
  repetitionPenalty: 1.1,
  historyTokens: 2048,
} as const;

/** Counts one token per character: predictable budgets for logic tests. */
export const charCounter: TokenCounter = (text) => text.length;

export interface StubCall {
  messages: readonly ChatMessage[];
  request: ChatRequest;
  signal: AbortSignal | undefined;
}

/**
 * A chat handle whose "model" streams the pieces `respond` returns for the messages, one per
 * macrotask, honouring the abort signal like the real adapter.
 */
export function stubChat(respond: (messages: readonly ChatMessage[]) => string[]): {
  handle: ModelHandle<ChatRequest, ChatResult>;
  calls: StubCall[];
} {
  const calls: StubCall[] = [];
  const handle: ModelHandle<ChatRequest, ChatResult> = {
    id: "stub-chat",
    async run(request: ChatRequest, options: RunOptions = {}): Promise<ChatResult> {
      const { signal } = options;
      const { messages, historyTurns } = messagesToSend(request.messages, charCounter);
      calls.push({ messages, request, signal });
      let text = "";
      for (const piece of respond(messages)) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (signal?.aborted) throw cancelledError(signal.reason);
        text += piece;
        request.onText?.(piece);
      }
      return {
        text,
        generatedTokens: text.length,
        promptTokens: messages.reduce((sum, message) => sum + message.content.length, 0),
        truncated: false,
        ...(historyTurns === undefined ? {} : { historyTurns }),
      };
    },
  };
  return { handle, calls };
}
