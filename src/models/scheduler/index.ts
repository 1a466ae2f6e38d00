/**
 * Fair lines of waiting work: round-robin between owners, interactive work ahead of batch
 * work with aging. The model manager keeps one per model; a cluster's bot keeps one per
 * model kind in front of the BullMQ queues.
 *
 * @example
 * const line = new FairQueue<Job>({ agingMs: 30_000 });
 * line.push(job, "tg:42", "interactive", clock.now());
 * const next = line.shift(clock.now());
 * // ...when it has run:
 * line.finished(next, runMs);
 */
export { FairQueue, INTERACTIVE_TIME_PER_AGED_BATCH, WORK_CLASSES } from "./fair-queue.js";
export type {
  ClassSnapshot,
  FairQueueOptions,
  FairQueueSnapshot,
  OwnerSnapshot,
} from "./fair-queue.js";
export { admits } from "./line-size.js";
export type { LineLoad, LineSize } from "./line-size.js";
export { TOP_OWNERS, hashOwner, summarizeLine } from "./summary.js";
export type { LineSummary } from "./summary.js";
