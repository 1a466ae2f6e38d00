/**
 * What the bot needs besides the job layer, and nothing more: /status, file downloads and
 * the job journal. The composition root passes the real ones; tests pass fakes. Keeping the
 * surface this narrow is what lets the bot know nothing about models or ONNX.
 */
import type { JobRecord, NewJob } from "../memory/index.js";
import type { StatusSnapshot } from "../services/status/index.js";

/** What /status shows; the status service builds it. */
export type { ModelSummary as ModelStatus, StatusSnapshot } from "../services/status/index.js";

export interface StatusPort {
  snapshot(): StatusSnapshot;
}

/** Downloads a Telegram file by its path on the Bot API server. */
export type FileFetcher = (filePath: string, signal?: AbortSignal) => Promise<Uint8Array>;

/**
 * The job journal (the store implements it): a job is accepted when its update arrives
 * and cleared once its answer is delivered, so what is left after a crash or a timed-out
 * shutdown can be run again or its user told. A cancelled job is simply cleared.
 */
export interface JobJournal {
  accept(job: NewJob): void;
  /** The job's status message, or `undefined` once it is removed. */
  showProgress(updateId: number, messageId: number | undefined): void;
  markInterrupted(updateId: number): void;
  retry(updateId: number): void;
  clear(updateId: number): void;
  pending(): JobRecord[];
}
