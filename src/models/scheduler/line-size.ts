/**
 * How much may wait in a line, and whether one more job may: the manager's line per model
 * and a cluster bot's line per kind decide it the same way.
 */

/** A count of waiting jobs, and where it is given, the bytes their inputs may hold together. */
export interface LineSize {
  maxQueue: number;
  maxQueueBytes?: number;
}

/** What waits in a line now. */
export interface LineLoad {
  waiting: number;
  waitingBytes: number;
}

/**
 * Whether a job holding `bytes` may join: fewer than `maxQueue` wait, and their bytes and its
 * stay within `maxQueueBytes`. An empty line always takes one, however large.
 */
export function admits(load: LineLoad, bytes: number, size: LineSize): boolean {
  if (load.waiting >= size.maxQueue) return false;
  if (size.maxQueueBytes === undefined || load.waiting === 0) return true;
  return load.waitingBytes + bytes <= size.maxQueueBytes;
}
