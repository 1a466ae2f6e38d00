/**
 * Progress of a request, in terms every front-end can show: the bot turns it into a status
 * message ("2nd in line", "page 3/12"), an HTTP API into events.
 */
import type { JobEvent } from "../models/contract.js";

export type Progress =
  | { type: "queued"; position: number }
  | { type: "loading" }
  | { type: "running" }
  | { type: "page"; page: number; pages: number }
  | { type: "minutes"; done: number; total: number }
  /** A document's passages being cut before a question about it: done of total. */
  | { type: "indexing"; done: number; total: number };

export type ProgressListener = (progress: Progress) => void;

export function toProgress(event: JobEvent): Progress {
  switch (event.type) {
    case "queued":
      return { type: "queued", position: event.position };
    case "loading":
      return { type: "loading" };
    case "running":
      return { type: "running" };
  }
}

/** "minute 3 of 10": whole minutes heard, of the recording's minutes rounded up. */
export function minutesProgress(heardS: number, totalS: number): Progress {
  return { type: "minutes", done: Math.floor(heardS / 60), total: Math.ceil(totalS / 60) };
}

/**
 * Progress of a request cut into pieces, each its own model job: a piece's "running" event
 * comes right after the step it belongs to ("page 3 of 30", "minute 2 of 5") and must not
 * replace it with "working on it".
 */
export function stepProgress(onProgress: ProgressListener | undefined): {
  onJobEvent: (event: JobEvent) => void;
  step: (progress: Progress) => void;
} {
  let step: Progress | undefined;
  return {
    onJobEvent: (event) => {
      const progress = toProgress(event);
      onProgress?.(progress.type === "running" && step ? step : progress);
    },
    step: (progress) => {
      step = progress;
      onProgress?.(progress);
    },
  };
}
