/**
 * The usage log, written in one place: every request a front-end makes is recorded once,
 * when it ends, with its owner's conversation, its duration and its outcome (/status counts
 * these; /forget deletes them). The services record nothing themselves.
 */
import type { UsageEvent } from "../memory/index.js";
import type { Clock } from "../shared/clock.js";
import { isAppError } from "../shared/errors.js";
import type { Owner } from "./owner.js";

/** What was done, as /status lists it. */
export type UsageTask = "chat" | "vision" | "ocr" | "asr" | "tts" | "summary" | "translate";

export class UsageRecorder {
  constructor(
    private readonly clock: Clock,
    private readonly record: (event: UsageEvent) => void,
  ) {}

  /** Runs `work` and records its outcome. */
  async run<T>(task: UsageTask, owner: Owner, work: () => Promise<T>): Promise<T> {
    const end = this.start(task, owner);
    try {
      const result = await work();
      end();
      return result;
    } catch (error) {
      end(error);
      throw error;
    }
  }

  /**
   * Starts a streamed job and records it once its `done` settles. The handlers are attached
   * here, so `done` never goes unhandled because of this record.
   */
  stream<R extends { done: Promise<unknown> }>(task: UsageTask, owner: Owner, start: () => R): R {
    const end = this.start(task, owner);
    const reply = start();
    void reply.done.then(
      () => end(),
      (error: unknown) => end(error),
    );
    return reply;
  }

  /** Starts the clock; the returned function records success, or the failure it is given. */
  private start(task: UsageTask, owner: Owner): (error?: unknown) => void {
    const started = this.clock.now();
    return (...failure: unknown[]) => {
      const event: UsageEvent = {
        task,
        ...(owner.dialog ?? {}),
        durationMs: this.clock.now() - started,
        ok: failure.length === 0,
      };
      if (failure.length > 0)
        event.errorCode = isAppError(failure[0]) ? failure[0].code : "internal";
      this.record(event);
    };
  }
}
