/**
 * The usage log, written in one place: every request a front-end makes is recorded once,
 * when it ends, with its owner, its conversation, its duration, its outcome and what it
 * consumed (audio seconds, pages, chat tokens: what the API's daily quotas count). /status
 * counts these; /forget deletes them. The services record nothing themselves.
 */
import type { UsageAmounts, UsageEvent } from "../memory/index.js";
import type { Clock } from "../shared/clock.js";
import { isAppError } from "../shared/errors.js";
import type { Owner } from "./owner.js";

/** What was done, as /status lists it. */
export type UsageTask = "chat" | "vision" | "ocr" | "asr" | "tts" | "summary" | "translate";

/** How a finished request ended: what it consumed, or the error it failed with. */
type Ending = { amounts: UsageAmounts } | { error: unknown };

export class UsageRecorder {
  constructor(
    private readonly clock: Clock,
    private readonly record: (event: UsageEvent) => void,
  ) {}

  /** Runs `work` and records its outcome; `amounts` reads what a success consumed. */
  async run<T>(
    task: UsageTask,
    owner: Owner,
    amounts: (result: T) => UsageAmounts,
    work: () => Promise<T>,
  ): Promise<T> {
    const end = this.start(task, owner);
    try {
      const result = await work();
      end({ amounts: amounts(result) });
      return result;
    } catch (error) {
      end({ error });
      throw error;
    }
  }

  /**
   * Starts a streamed job and records it once its `done` settles. The handlers are attached
   * here, so `done` never goes unhandled because of this record.
   */
  stream<R extends { done: Promise<unknown> }>(
    task: UsageTask,
    owner: Owner,
    amounts: (outcome: Awaited<R["done"]>) => UsageAmounts,
    start: () => R,
  ): R {
    const end = this.start(task, owner);
    const reply = start();
    void reply.done.then(
      (outcome) => end({ amounts: amounts(outcome as Awaited<R["done"]>) }),
      (error: unknown) => end({ error }),
    );
    return reply;
  }

  /** Starts the clock; the returned function records how the request ended. */
  private start(task: UsageTask, owner: Owner): (ending: Ending) => void {
    const started = this.clock.now();
    return (ending) => {
      const event: UsageEvent = {
        task,
        owner: owner.id,
        ...(owner.dialog ?? {}),
        durationMs: this.clock.now() - started,
        ok: "amounts" in ending,
      };
      if ("amounts" in ending) Object.assign(event, ending.amounts);
      else event.errorCode = isAppError(ending.error) ? ending.error.code : "internal";
      this.record(event);
    };
  }
}

/** For work whose amount no quota counts (speech synthesis, summaries, translations). */
export const nothingCounted = (): UsageAmounts => ({});

/** Pages read by OCR. */
export const pagesRead = (document: { pages: number }): UsageAmounts => ({ pages: document.pages });

/** A picture read as a table: one page. */
export const onePage = (): UsageAmounts => ({ pages: 1 });

/** Seconds of audio heard. */
export const audioHeard = (transcript: { durationS: number }): UsageAmounts => ({
  audioS: transcript.durationS,
});

/** A chat answer's tokens, prompt and answer together (a vision answer counts none yet). */
export function answerTokens(outcome: {
  text: string;
  tokens?: number;
  promptTokens?: number;
}): UsageAmounts {
  return outcome.tokens === undefined
    ? {}
    : { tokens: outcome.tokens + (outcome.promptTokens ?? 0) };
}
