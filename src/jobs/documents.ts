/**
 * Questions about a stored result (a document's text, a transcript): which one a question
 * is about, its passages, what the chat model sees of it, and whether its answer stands.
 *
 * - The document of a conversation is the one last chosen (💬 Ask, a reply to the result or
 *   to its file) until /reset or another file is read. It is kept in memory, beside the
 *   result ids the front-end shows: after a restart a reply to the result chooses it again.
 * - Passages are cut when the result is stored, in the background: the pages and timed
 *   segments exist only then (a result keeps its joined text), and cutting with full-text
 *   search is cheap; embedding work, when an embedder runs, takes the batch class so people's
 *   requests go first. A question waits for its document's passages, with progress.
 * - A document that fits the chat model's context goes in whole, a longer one by its best
 *   passages; the answer is held back until the guard accepts it, so an unsupported answer
 *   is never shown, and the sources are picked by code from the passages, never by the model.
 */
import type { Logger } from "pino";
import type { DialogKey, StoredResult } from "../memory/index.js";
import type { JobEvent } from "../models/contract.js";
import {
  planContext,
  questionMessages,
  RETRIEVED_PASSAGES,
  saysNotFound,
} from "../services/qa/answer.js";
import { cutPassages } from "../services/qa/cutting.js";
import { checkAnswer, timeCode } from "../services/qa/guard.js";
import { pickSources, quoteOf, rankByWords, type Source } from "../services/qa/sources.js";
import type { DocumentIndex, IndexSource, Passage } from "../services/qa/types.js";
import { detectLanguage } from "../services/documents/text.js";
import { InputError } from "../shared/errors.js";
import type { Owner } from "./owner.js";
import { toProgress, type ProgressListener } from "./progress.js";
import type { JobServices } from "./services.js";
import { answerTokens, type UsageRecorder } from "./usage.js";

export type { Source };

/** Nearest places shown when the answer isn't in the document. */
export const NEAREST_PLACES = 2;

/**
 * The longest question taken: a Telegram message's limit, for the API too. A longer one would
 * be tokenized whole (seconds of the event loop for megabytes) only to overflow the context.
 */
export const MAX_QUESTION_CHARS = 4096;

/** Refuses an empty question or one over {@link MAX_QUESTION_CHARS}, before any work. */
export function checkQuestion(question: string): void {
  if (question.trim() === "") throw new InputError("input.empty", "the question is empty");
  if (question.length > MAX_QUESTION_CHARS)
    throw new InputError(
      "input.too_long",
      `the question is ${question.length} characters long; the limit is ${MAX_QUESTION_CHARS}`,
    );
}

export interface DocumentAnswer {
  /** The result the question was about. */
  resultId: number;
  /** The passages hold the answer and the guard accepted it. */
  found: boolean;
  /** The answer (empty when not found). */
  text: string;
  /** When found, the places backing the answer; else the nearest places, if any. */
  sources: Source[];
  /** "ru" or "en": the question's language, else the person's, for the reply's words. */
  language: "ru" | "en";
  /** The answer stopped at the token cap. */
  truncated: boolean;
}

export interface AskOptions {
  owner: Owner;
  result: StoredResult;
  question: string;
  language: string;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}

interface Indexing {
  done: Promise<void>;
  progress?: { done: number; total: number };
  listeners: Set<ProgressListener>;
}

export class DocumentQuestions {
  private readonly current = new Map<string, number>();
  private readonly indexing = new Map<number, Indexing>();

  constructor(
    private readonly services: Pick<JobServices, "chat" | "index">,
    private readonly usage: UsageRecorder,
    private readonly logger: Logger,
    /** The chat model's context budget (CHAT_HISTORY_TOKENS): what a whole document must fit. */
    private readonly budgetTokens: number,
  ) {}

  /** The document a conversation asks about, if one is chosen. */
  currentOf(dialog: DialogKey): number | undefined {
    return this.current.get(key(dialog));
  }

  /** Makes `resultId` the conversation's document, for follow-up questions. */
  choose(dialog: DialogKey, resultId: number): void {
    this.current.set(key(dialog), resultId);
  }

  /** Ends the conversation's document (/reset, another file read, a picture shown). */
  clear(dialog: DialogKey): void {
    this.current.delete(key(dialog));
  }

  /**
   * Cuts a freshly stored result into passages in the background; a question about it waits
   * for them. A failure is logged: the first question cuts the stored text again.
   */
  indexInBackground(resultId: number, source: IndexSource, owner: Owner): void {
    const index = this.services.index;
    if (!index) return;
    const entry: Indexing = { done: Promise.resolve(), listeners: new Set() };
    entry.done = index
      .index(resultId, source, {
        scheduling: { owner: owner.id, workClass: "batch" },
        onProgress: (done, total) => {
          entry.progress = { done, total };
          for (const listener of entry.listeners) listener({ type: "indexing", done, total });
        },
      })
      .then(
        () => undefined,
        (error: unknown) => this.logger.warn({ err: error, resultId }, "indexing a result failed"),
      )
      .finally(() => this.indexing.delete(resultId));
    this.indexing.set(resultId, entry);
  }

  /** Answers a question about a stored result from its passages, with sources. */
  async ask(options: AskOptions): Promise<DocumentAnswer> {
    const { result, question, owner } = options;
    const index = this.services.index;
    if (!index) throw new Error("no document index is configured");
    checkQuestion(question);
    await this.passagesReady(index, result, owner, options.onProgress);
    const scheduling = schedulingOf(options);
    const all = index.passages(result.id);
    const plan = planContext(characters(all), this.budgetTokens);
    const ranked = await index.retrieve(
      result.id,
      question,
      plan.mode === "whole" ? all.length : plan.limit,
      scheduling,
    );
    return {
      resultId: result.id,
      ...(await this.answerFrom(plan.mode === "whole" ? all : ranked, ranked, options)),
    };
  }

  /**
   * Answers a question about a text the caller sends with it (an API client has no stored
   * results): its passages are cut in memory and ranked by the content words they share
   * with the question; nothing is stored.
   */
  async askOnce(
    options: Omit<AskOptions, "result"> & { source: IndexSource },
  ): Promise<Omit<DocumentAnswer, "resultId">> {
    checkQuestion(options.question);
    const all = cutPassages(options.source);
    const plan = planContext(characters(all), this.budgetTokens);
    const ranked = rankByWords(all, options.question).slice(0, RETRIEVED_PASSAGES);
    return this.answerFrom(plan.mode === "whole" ? all : ranked, ranked, options);
  }

  /**
   * The chat model's answer from `context`, checked by the guard; the sources come from the
   * context in `ranked` order first, the nearest places from `ranked`.
   */
  private async answerFrom(
    context: readonly Passage[],
    ranked: readonly Passage[],
    options: Omit<AskOptions, "result">,
  ): Promise<Omit<DocumentAnswer, "resultId">> {
    const { question, owner } = options;
    const language = answerLanguage(question, options.language);
    const notFound = () => ({
      found: false,
      text: "",
      sources: ranked.slice(0, NEAREST_PLACES).map((passage) => ({
        place: passage.place,
        quote: quoteOf(passage.text, question),
      })),
      language,
      truncated: false,
    });
    if (context.length === 0) return notFound();
    const reply = this.usage.stream("chat", owner, answerTokens, () =>
      this.services.chat.complete(
        { messages: questionMessages(question, context, language, timeCode), temperature: 0 },
        {
          ...schedulingOf(options),
          onEvent: (event: JobEvent) => options.onProgress?.(toProgress(event)),
        },
      ),
    );
    // The pieces are not shown: the guard must see the whole answer first.
    for await (const piece of reply.pieces) void piece;
    const outcome = await reply.done;
    const answer = outcome.text.trim();
    const check = saysNotFound(answer)
      ? ({ supported: false, reason: "the model found no answer" } as const)
      : checkAnswer(answer, context);
    if (!check.supported) {
      this.logger.info({ reason: check.reason }, "answer not supported by the passages");
      return notFound();
    }
    return {
      found: true,
      text: answer,
      sources: pickSources(answer, question, byRank(context, ranked)),
      language,
      truncated: outcome.truncated,
    };
  }

  /** Waits for a result's passages being cut, or cuts them from the stored text now. */
  private async passagesReady(
    index: DocumentIndex,
    result: StoredResult,
    owner: Owner,
    onProgress: ProgressListener | undefined,
  ): Promise<void> {
    const pending = this.indexing.get(result.id);
    if (pending) {
      if (onProgress) {
        pending.listeners.add(onProgress);
        if (pending.progress) onProgress({ type: "indexing", ...pending.progress });
      }
      await pending.done;
      if (onProgress) pending.listeners.delete(onProgress);
    }
    if (index.has(result.id)) return;
    // Stored before passages were cut at result time, or that cutting failed: the text and
    // a transcript's segments are what is left (a document's pages were not kept).
    await index.index(
      result.id,
      {
        text: result.text,
        ...(result.segments.length > 0 ? { segments: result.segments } : {}),
      },
      {
        scheduling: { owner: owner.id, workClass: "interactive" },
        ...(onProgress
          ? {
              onProgress: (done: number, total: number) =>
                onProgress({ type: "indexing", done, total }),
            }
          : {}),
      },
    );
  }
}

function schedulingOf(options: { owner: Owner; signal?: AbortSignal }) {
  return {
    owner: options.owner.id,
    workClass: "interactive" as const,
    ...(options.signal ? { signal: options.signal } : {}),
  };
}

function characters(passages: readonly Passage[]): number {
  return passages.reduce((chars, passage) => chars + passage.text.length, 0);
}

/** The passages in retrieval order first, then the rest in reading order. */
function byRank(passages: readonly Passage[], ranked: readonly Passage[]): Passage[] {
  const first = new Set(ranked.map((passage) => passage.ord));
  return [...ranked, ...passages.filter((passage) => !first.has(passage.ord))];
}

function key(dialog: DialogKey): string {
  return `${dialog.chatId}:${dialog.userId}`;
}

/** The question's language when it is Russian or English, else the person's, else English. */
function answerLanguage(question: string, fallback: string): "ru" | "en" {
  const language = detectLanguage(question);
  if (language === "ru" || language === "en") return language;
  return fallback === "ru" ? "ru" : "en";
}
