/**
 * A fake managed model that takes virtual time to load and run and keeps an independent
 * ledger of the memory it really holds, so a replay can check the manager from outside:
 * bytes resident across all models, concurrent loads, unloads during runs.
 */
import type { Clock, TimerHandle } from "../src/shared/clock.js";
import type { LoadReport, ManagedModel, ModelTask } from "../src/models/contract.js";

/** What a model really holds, summed over models, and every breach of the contract seen. */
export class MemoryLedger {
  residentBytes = 0;
  peakBytes = 0;
  /** Moments the resident bytes went above the budget. */
  overBudget = 0;
  /** Loads started while the same model was loading or loaded. */
  doubleLoads = 0;
  readonly breaches: string[] = [];

  constructor(readonly budgetBytes: number) {}

  allocate(bytes: number): void {
    this.residentBytes += bytes;
    this.peakBytes = Math.max(this.peakBytes, this.residentBytes);
    if (this.residentBytes > this.budgetBytes + 1e-6) this.overBudget += 1;
  }

  free(bytes: number): void {
    this.residentBytes -= bytes;
  }
}

/** A job for a timed model: it runs this long. */
export interface TimedJob {
  runMs: number;
}

export interface TimedModelSpec {
  id: string;
  task: ModelTask;
  /** What the adapter declares before any load. */
  estimatedBytes: number;
  /** What it really takes once loaded (reported as measured); defaults to the estimate. */
  actualBytes?: number;
  loadMs: number;
  unloadMs?: number;
  fallback?: TimedFakeModel;
  /** Called at each load; an error returned makes that load fail after `loadMs`. */
  loadFailure?: () => Error | undefined;
}

export class TimedFakeModel implements ManagedModel<TimedJob, number> {
  readonly id: string;
  readonly task: ModelTask;
  readonly device = "cuda" as const;
  readonly estimatedBytes: number;
  readonly fallback: TimedFakeModel | undefined;
  private loading = false;
  private loaded = false;
  private running = 0;

  constructor(
    private readonly spec: TimedModelSpec,
    private readonly clock: Clock,
    private readonly ledger: MemoryLedger,
  ) {
    this.id = spec.id;
    this.task = spec.task;
    this.estimatedBytes = spec.estimatedBytes;
    this.fallback = spec.fallback;
  }

  private get actualBytes(): number {
    return this.spec.actualBytes ?? this.spec.estimatedBytes;
  }

  async load(): Promise<LoadReport> {
    if (this.loading || this.loaded) {
      this.ledger.doubleLoads += 1;
      this.ledger.breaches.push(`${this.id}: load while ${this.loading ? "loading" : "loaded"}`);
    }
    this.loading = true;
    // Weights are allocated as they stream in: count them from the start of the load.
    this.ledger.allocate(this.actualBytes);
    const failure = this.spec.loadFailure?.();
    await sleep(this.clock, this.spec.loadMs);
    this.loading = false;
    if (failure) {
      this.ledger.free(this.actualBytes);
      throw failure;
    }
    this.loaded = true;
    return { device: "cuda", measuredBytes: this.actualBytes };
  }

  async unload(): Promise<void> {
    if (this.running > 0) this.ledger.breaches.push(`${this.id}: unload during a run`);
    if (!this.loaded) this.ledger.breaches.push(`${this.id}: unload while not loaded`);
    if (this.spec.unloadMs) await sleep(this.clock, this.spec.unloadMs);
    this.loaded = false;
    this.ledger.free(this.actualBytes);
  }

  async run(job: TimedJob, signal: AbortSignal): Promise<number> {
    if (!this.loaded) this.ledger.breaches.push(`${this.id}: run while not loaded`);
    this.running += 1;
    try {
      await sleep(this.clock, job.runMs, signal);
      return job.runMs;
    } finally {
      this.running -= 1;
    }
  }
}

/** Waits `ms` of the clock's time; rejects with the signal's reason if it aborts first. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    let timer: TimerHandle | undefined = undefined;
    const onAbort = () => {
      if (timer !== undefined) clock.clearTimeout(timer);
      reject(signal?.reason);
    };
    timer = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
