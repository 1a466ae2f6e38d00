/**
 * The ✖ Cancel button under a job's status message. Each job gets a random id (so a
 * button left over from before a restart can never name a new job); the button carries
 * `cancel:<id>` and only the person who asked may press it.
 */
import { randomBytes } from "node:crypto";
import { cancelledError } from "../shared/errors.js";

const CANCEL_DATA = /^cancel:([A-Za-z0-9_-]{12})$/;

/** The job id in a Cancel button's callback data, or undefined for anything else. */
export function parseCancelData(data: string | undefined): string | undefined {
  return data === undefined ? undefined : CANCEL_DATA.exec(data)?.[1];
}

export function cancelData(id: string): string {
  return `cancel:${id}`;
}

export interface CancellableJob {
  id: string;
  signal: AbortSignal;
  /** Forgets the job once it ended; its button then counts as no longer valid. */
  done(): void;
}

export type CancelOutcome = "cancelled" | "not-yours" | "unknown";

export class CancelRegistry {
  private readonly jobs = new Map<string, { ownerId: number; controller: AbortController }>();

  start(ownerId: number): CancellableJob {
    const id = randomBytes(9).toString("base64url");
    const controller = new AbortController();
    this.jobs.set(id, { ownerId, controller });
    return { id, signal: controller.signal, done: () => this.jobs.delete(id) };
  }

  cancel(id: string, userId: number): CancelOutcome {
    const job = this.jobs.get(id);
    if (!job) return "unknown";
    if (job.ownerId !== userId) return "not-yours";
    this.jobs.delete(id);
    job.controller.abort(cancelledError("the user pressed Cancel"));
    return "cancelled";
  }
}
