/**
 * The bot's fair line for one model kind of a cluster (ROLE=bot). Open-source BullMQ has
 * priorities but no round robin between owners (its groups do that, but they are BullMQ
 * Pro, a commercial product), so the bot keeps the fair line itself (models/scheduler) and
 * hands BullMQ at most as many jobs as the live workers can run at once: whatever has to
 * wait, waits here in fair order. The few jobs in Redis carry their class as BullMQ's
 * priority, so they too are taken interactive-first.
 *
 * Pure: time and the workers' capacity are passed in; remote.ts does the Redis side.
 */
import type { WorkClass } from "../models/contract.js";
import {
  admits,
  FairQueue,
  type FairQueueOptions,
  type FairQueueSnapshot,
  type LineSize,
} from "../models/scheduler/index.js";

/** BullMQ's priority of a job of each class (lower is taken first). */
export const PRIORITY: Readonly<Record<WorkClass, number>> = { interactive: 1, batch: 2 };

/** What the dispatcher needs to know of a job. */
export interface Dispatchable {
  readonly owner: string;
  readonly workClass: WorkClass;
  /** Bytes of its encoded payload, counted while it waits. */
  readonly bytes: number;
}

export class FairDispatcher<T extends Dispatchable> {
  private readonly line: FairQueue<T>;
  /** Jobs handed to BullMQ and not settled, as handed, each with when a worker took it. */
  private readonly sent = new Map<T, { startedAt?: number }>();
  /** Bytes of the jobs not running yet. */
  private waitingBytes = 0;

  constructor(options: FairQueueOptions) {
    this.line = new FairQueue<T>(options);
  }

  /** Jobs not running yet: those in the line and those waiting in Redis. */
  get waiting(): number {
    return this.line.size + this.waitingInRedis().length;
  }

  /** Jobs of `owner` not running yet. */
  waitingOf(owner: string): number {
    const inRedis = this.waitingInRedis().filter((job) => job.owner === owner).length;
    return this.line.waitingOf(owner) + inRedis;
  }

  /** Whether a job of `bytes` may wait too (see {@link admits}). */
  fits(bytes: number, size: LineSize): boolean {
    return admits({ waiting: this.waiting, waitingBytes: this.waitingBytes }, bytes, size);
  }

  enqueue(job: T, now: number): void {
    this.line.push(job, job.owner, job.workClass, now);
    this.waitingBytes += job.bytes;
  }

  /**
   * Takes out of the line, in fair order, the jobs to hand to BullMQ now: as many as bring
   * the jobs handed and not settled up to `capacity`.
   */
  take(capacity: number, now: number): T[] {
    const taken: T[] = [];
    while (this.sent.size < capacity) {
      const job = this.line.shift(now);
      if (job === undefined) break;
      this.sent.set(job, {});
      taken.push(job);
    }
    return taken;
  }

  /** Whether the job was handed to BullMQ (and is not settled). */
  isSent(job: T): boolean {
    return this.sent.has(job);
  }

  /** A worker took the job at `now`: it no longer waits. */
  started(job: T, now: number): void {
    const entry = this.sent.get(job);
    if (!entry || entry.startedAt !== undefined) return;
    entry.startedAt = now;
    this.waitingBytes -= job.bytes;
  }

  /**
   * Forgets a job settled or cancelled at `now`, wherever it was; the time a worker ran it
   * counts in its class's share of the kind (a job never taken by a worker ran none).
   */
  drop(job: T, now: number): void {
    if (this.line.remove(job)) {
      this.waitingBytes -= job.bytes;
      return;
    }
    const entry = this.sent.get(job);
    if (!entry) return;
    this.sent.delete(job);
    if (entry.startedAt === undefined) {
      this.waitingBytes -= job.bytes;
      this.line.withdrawn(job);
    } else this.line.finished(job, now - entry.startedAt);
  }

  /**
   * Each waiting job's place (1 = taken next): first the jobs waiting in Redis, in the
   * order BullMQ hands them out, then the line in fair order as of `now`.
   */
  positions(now: number): Map<T, number> {
    const order = [...this.waitingInRedis(), ...this.line.order(now)];
    return new Map(order.map((job, index) => [job, index + 1]));
  }

  /** What waits in the line (not in Redis), for /status. */
  snapshot(now: number): FairQueueSnapshot {
    return this.line.snapshot(now);
  }

  /** Jobs waiting in Redis as BullMQ hands them out: by priority, then as added (a stable sort). */
  private waitingInRedis(): T[] {
    return [...this.sent]
      .filter(([, entry]) => entry.startedAt === undefined)
      .map(([job]) => job)
      .sort((a, b) => PRIORITY[a.workClass] - PRIORITY[b.workClass]);
  }
}
