/**
 * Conversations with the chat model, per (chat, user), with memory. A reply streams: the
 * caller reads visible text pieces as they are generated (reasoning blocks filtered out) and
 * awaits the outcome. History is trimmed to a token budget with the model's own tokenizer
 * inside the generation job, so trimming costs no extra trip through the model queue.
 *
 * What is stored: after a completed reply, the user's turn (with its kind: typed, voice or
 * OCR) and the visible answer, in one transaction. A cancelled or failed reply, or one with
 * no visible text (all reasoning), stores nothing: a question without its answer would leave
 * the next prompt with two user turns in a row, and the user can simply ask again.
 */
import type { Logger } from "pino";
import type { DialogKey, HistoryKind, HistoryLog, HistoryTurn } from "../../memory/index.js";
import type {
  ChatMessage,
  ChatRequest,
  ChatResult,
  GenerationSettings,
} from "../../models/adapters/chat-qwen.js";
import type { JobEvent, ModelHandle, Scheduling } from "../../models/contract.js";
import type { Config } from "../../config/index.js";
import { systemClock, type Clock } from "../../shared/clock.js";
import { InputError, isAppError } from "../../shared/errors.js";
import { streamReply, type PieceStream } from "./piece-stream.js";
import { DEFAULT_SYSTEM_PROMPT } from "./prompts.js";
import { ThinkFilter } from "./think.js";

/**
 * The chat slice of the app config: system prompt, generation settings, and the token
 * budget of the whole prompt (system prompt, history and the current message).
 */
export type ChatSettings = Config["chat"];

export interface ChatServiceOptions {
  model: ModelHandle<ChatRequest, ChatResult>;
  history: Pick<HistoryLog, "recent" | "append" | "reset">;
  settings: ChatSettings;
  logger: Logger;
  clock?: Clock;
}

export interface ChatInput extends DialogKey {
  text: string;
  /** Where the user's text came from; stored with the turn. */
  kind: HistoryKind;
}

/**
 * A whole conversation sent by the caller (an API client, a one-shot question): nothing is
 * read from or written to the stored history.
 */
export interface CompletionInput {
  /** System messages first or anywhere; the last message must be the user's. */
  messages: readonly ChatMessage[];
  /** At most CHAT_MAX_NEW_TOKENS: a caller can ask for less, not more. */
  maxNewTokens?: number;
  /** 0 is greedy decoding. Default CHAT_TEMPERATURE. */
  temperature?: number;
}

export interface ChatReplyOptions extends Scheduling {
  signal?: AbortSignal;
  /** Queue and loading progress ("2nd in line", "loading model…"). */
  onEvent?: (event: JobEvent) => void;
}

export interface ChatOutcome {
  /** The visible answer, as stored. */
  text: string;
  /** Tokens generated (reasoning included). */
  tokens: number;
  /** From the call to the end, queue wait and model load included. */
  ms: number;
  promptTokens: number;
  /** Stored turns that fit the budget and were sent along. */
  historyTurns: number;
  /** The answer was cut at the max-new-tokens limit. */
  truncated: boolean;
}

export interface ChatReply {
  /**
   * Visible text pieces in order; joined, they are `outcome.text` (plus any trailing
   * whitespace). Throws what `done` rejects with, after the pieces that came before. Leaving
   * the loop early cancels the reply.
   */
  pieces: AsyncIterable<string>;
  done: Promise<ChatOutcome>;
}

/** Stored turns read per reply; the token budget usually keeps far fewer. */
const HISTORY_FETCH_LIMIT = 100;

export class ChatService {
  private readonly model: ModelHandle<ChatRequest, ChatResult>;
  private readonly history: ChatServiceOptions["history"];
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly systemPrompt: string;
  private readonly generation: GenerationSettings;
  private readonly budgetTokens: number;

  constructor(options: ChatServiceOptions) {
    this.model = options.model;
    this.history = options.history;
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    const { systemPrompt, historyTokens, ...generation } = options.settings;
    this.systemPrompt = systemPrompt?.trim() || DEFAULT_SYSTEM_PROMPT;
    this.generation = generation;
    this.budgetTokens = historyTokens;
  }

  /** Starts a reply to the user's message; see {@link ChatReply}. */
  reply(input: ChatInput, options: ChatReplyOptions = {}): ChatReply {
    const dialog: DialogKey = { chatId: input.chatId, userId: input.userId };
    return streamReply(options.signal, (signal, pieces) =>
      this.generate(
        dialog,
        () => {
          const text = input.text.trim();
          if (text === "") throw new InputError("input.empty", "the message has no text");
          return {
            systemPrompt: this.systemPrompt,
            history: this.history.recent(dialog, HISTORY_FETCH_LIMIT),
            message: text,
            settings: this.generation,
            keep: (answer) =>
              this.history.append(dialog, [
                { role: "user", kind: input.kind, text },
                { role: "assistant", kind: "text", text: answer },
              ]),
          };
        },
        { ...options, signal },
        pieces,
      ),
    );
  }

  /**
   * Starts a reply to a conversation the caller holds (see {@link CompletionInput}), on the
   * same path as {@link reply}: the conversation is fitted to the token budget (the newest
   * turns that fit), reasoning is filtered out, the answer streams.
   */
  complete(input: CompletionInput, options: ChatReplyOptions = {}): ChatReply {
    return streamReply(options.signal, (signal, pieces) =>
      this.generate(
        {},
        () => {
          const system = input.messages.filter((message) => message.role === "system");
          const turns = input.messages.filter((message) => message.role !== "system");
          const last = turns.at(-1);
          if (last?.role !== "user" || last.content.trim() === "")
            throw new InputError("input.empty", "the conversation ends without a user message");
          const systemPrompt = system.map((message) => message.content.trim()).join("\n\n");
          return {
            systemPrompt: systemPrompt || this.systemPrompt,
            history: turns.slice(0, -1).map(({ role, content }) => ({
              role: role as "user" | "assistant",
              text: content,
            })),
            message: last.content.trim(),
            settings: {
              ...this.generation,
              maxNewTokens: Math.min(
                input.maxNewTokens ?? this.generation.maxNewTokens,
                this.generation.maxNewTokens,
              ),
              ...(input.temperature === undefined ? {} : { temperature: input.temperature }),
            },
          };
        },
        { ...options, signal },
        pieces,
      ),
    );
  }

  /** Starts a new conversation: earlier turns are kept on disk but no longer sent. */
  reset(dialog: DialogKey): void {
    this.history.reset(dialog);
  }

  private async generate(
    logFields: Partial<DialogKey>,
    prepare: () => {
      systemPrompt: string;
      history: readonly Pick<HistoryTurn, "role" | "text">[];
      message: string;
      settings: GenerationSettings;
      /** Stores a non-empty answer (a stateless completion stores nothing). */
      keep?: (answer: string) => void;
    },
    options: ChatReplyOptions & { signal: AbortSignal },
    pieces: PieceStream,
  ): Promise<ChatOutcome> {
    const started = this.clock.now();
    try {
      // Inside the try: a refused input fails the pieces too, as a failed generation does.
      const conversation = prepare();
      const filter = new ThinkFilter();
      let visible = "";
      const show = (piece: string) => {
        if (piece === "") return;
        visible += piece;
        pieces.push(piece);
      };
      const request: ChatRequest = {
        messages: {
          systemPrompt: conversation.systemPrompt,
          history: conversation.history.map(({ role, text }) => ({ role, text })),
          message: conversation.message,
          budgetTokens: this.budgetTokens,
        },
        settings: conversation.settings,
        onText: (piece) => show(filter.push(piece)),
      };
      const result = await this.model.run(request, {
        signal: options.signal,
        onEvent: options.onEvent,
        owner: options.owner,
        workClass: options.workClass,
      });
      show(filter.end());
      const answer = visible.trimEnd();
      if (answer !== "") conversation.keep?.(answer);
      const outcome: ChatOutcome = {
        text: answer,
        tokens: result.generatedTokens,
        ms: this.clock.now() - started,
        promptTokens: result.promptTokens,
        historyTurns: result.historyTurns ?? 0,
        truncated: result.truncated,
      };
      pieces.end();
      return outcome;
    } catch (error) {
      const code = isAppError(error) ? error.code : "internal";
      if (code !== "job.cancelled")
        this.logger.warn({ err: error, ...logFields }, "chat reply failed");
      pieces.fail(error);
      throw error;
    }
  }
}
