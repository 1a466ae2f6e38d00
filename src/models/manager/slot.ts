/** The manager's record of one registered model: its state, waiting jobs and counters. */
import type { TimerHandle } from "../../shared/clock.js";
import type { ComputeDevice, JobEvent, ManagedModel, WorkClass } from "../contract.js";
import { admits, FairQueue } from "../scheduler/index.js";
import { DecayingCount } from "./decaying-count.js";
import { DEMAND_DECAY_MS } from "./eviction.js";
import { RollingWindow } from "./rolling-window.js";
import type { ModelState } from "./types.js";

/** A job submitted through a handle, from enqueue to settlement. */
export interface Job {
  readonly input: unknown;
  readonly enqueuedAt: number;
  /** Whose work it is; the line takes turns between owners. */
  readonly owner: string;
  readonly workClass: WorkClass;
  /** What its input holds while it waits (0 where the line counts jobs only). */
  readonly bytes: number;
  /** Passed to `model.run`; aborted by the caller's signal or by shutdown. */
  readonly controller: AbortController;
  readonly onEvent: ((event: JobEvent) => void) | undefined;
  /** The last position sent in a "queued" event; re-sent whenever it changes. */
  reportedPosition: number;
  resolve(output: unknown): void;
  reject(error: unknown): void;
  /** Stops listening to the caller's signal. */
  detach(): void;
}

/** Settles whoever waits for a load that has no job attached (preload). */
export interface LoadWaiter {
  resolve(): void;
  reject(error: unknown): void;
}

/** A variant's last failed load, remembered so that requests don't retry it at once. */
export interface LoadFailure {
  /** The error's first line, for /status and logs. */
  reason: string;
  at: number;
  error: unknown;
}

/** A model's register options, defaults applied, and the manager's aging for its line. */
export interface SlotOptions {
  concurrency: number;
  maxQueue: number;
  maxQueueBytes: number | undefined;
  inputBytes: ((input: unknown) => number) | undefined;
  maxPerOwner: number;
  idleUnloadMs: number;
  pinned: boolean;
  sharesThread: boolean;
  batchAgingMs: number;
}

export type SlotPhase = "unloaded" | "loading" | "ready" | "unloading";

export class ModelSlot {
  phase: SlotPhase = "unloaded";
  /** Index into {@link variants} of the variant loaded, loading or to load next. */
  variantIndex = 0;
  /** Bytes charged to the budget for this model (reservation while loading). */
  chargedBytes = 0;
  device: ComputeDevice | undefined;
  deviceNote: string | undefined;
  running = 0;
  /**
   * Jobs waiting to run, fair between owners, interactive ahead of batch. Jobs enter and
   * leave it through {@link enqueue}, {@link next}, {@link withdraw} and {@link drain}, which
   * keep {@link waitingBytes}.
   */
  readonly queue: FairQueue<Job>;
  /** Bytes the waiting jobs' inputs hold. */
  waitingBytes = 0;
  /** Jobs in `model.run`, with the promise that settles once each is accounted for. */
  readonly runningJobs = new Map<Job, Promise<void>>();
  readonly loadWaiters: LoadWaiter[] = [];
  /** The end of the last job or load, from which idleness is measured. */
  lastUsedAt = 0;
  /** Jobs submitted, decayed with age: how much the model is in demand (see eviction.ts). */
  readonly requests = new DecayingCount(DEMAND_DECAY_MS);
  idleTimer: TimerHandle | undefined;
  loadController: AbortController | undefined;
  /** The load or unload under way, so shutdown can wait for it. */
  transition: Promise<void> | undefined;
  loadedAt = 0;

  /** Failed loads by variant index; cleared when that variant loads. */
  readonly failures = new Map<number, LoadFailure>();

  loads = 0;
  lastLoadMs: number | undefined;
  totalLoadMs = 0;
  jobsOk = 0;
  jobsFailed = 0;
  readonly runTimes = new RollingWindow(200);

  /** The primary model followed by its chain of fallbacks. */
  readonly variants: readonly ManagedModel[];

  readonly concurrency: number;
  readonly maxQueue: number;
  readonly maxQueueBytes: number | undefined;
  readonly inputBytes: ((input: unknown) => number) | undefined;
  readonly maxPerOwner: number;
  readonly idleUnloadMs: number;
  readonly pinned: boolean;
  readonly sharesThread: boolean;

  constructor(
    readonly model: ManagedModel,
    options: SlotOptions,
  ) {
    this.concurrency = options.concurrency;
    this.maxQueue = options.maxQueue;
    this.maxQueueBytes = options.maxQueueBytes;
    this.inputBytes = options.inputBytes;
    this.maxPerOwner = options.maxPerOwner;
    this.idleUnloadMs = options.idleUnloadMs;
    this.pinned = options.pinned;
    this.sharesThread = options.sharesThread;
    this.queue = new FairQueue<Job>({ agingMs: options.batchAgingMs });
    const variants: ManagedModel[] = [];
    for (let variant: ManagedModel | undefined = model; variant; variant = variant.fallback) {
      variants.push(variant);
    }
    this.variants = variants;
  }

  get id(): string {
    return this.model.id;
  }

  get variant(): ManagedModel {
    return this.variants[this.variantIndex] ?? this.model;
  }

  /** Whether a job holding `bytes` of input may join the line (an empty line takes one). */
  fits(bytes: number): boolean {
    return admits({ waiting: this.queue.size, waitingBytes: this.waitingBytes }, bytes, this);
  }

  enqueue(job: Job, now: number): void {
    this.queue.push(job, job.owner, job.workClass, now);
    this.waitingBytes += job.bytes;
  }

  /** The job to run next, out of the line. */
  next(now: number): Job | undefined {
    const job = this.queue.shift(now);
    if (job) this.waitingBytes -= job.bytes;
    return job;
  }

  /** Takes a waiting job out of the line (a cancel); false when it isn't waiting. */
  withdraw(job: Job): boolean {
    if (!this.queue.remove(job)) return false;
    this.waitingBytes -= job.bytes;
    return true;
  }

  /** Empties the line, returning what waited. */
  drain(): Job[] {
    this.waitingBytes = 0;
    return this.queue.clear();
  }

  /** Work in flight or waiting: such a model is never unloaded. */
  get busy(): boolean {
    return this.running > 0 || this.queue.size > 0;
  }

  get state(): ModelState {
    return this.phase === "ready" && this.running > 0 ? "running" : this.phase;
  }

  /**
   * Sends "queued" to every waiting job whose place in line changed: it may get better (a
   * job ahead started or left) or worse (interactive work or a new owner's piece came in
   * ahead). The fair order is computed once for the whole line.
   */
  reportPositions(now: number): void {
    this.queue.order(now).forEach((job, index) => {
      const position = index + 1;
      if (position !== job.reportedPosition) {
        job.reportedPosition = position;
        job.onEvent?.({ type: "queued", position });
      }
    });
  }
}
