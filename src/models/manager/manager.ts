/**
 * The model manager: lazy, single-flight loads under a memory budget, per-model fair
 * lines of waiting work (see models/scheduler), turns between the models that share the
 * process's thread (see thread-turns.ts), idle unload, eviction and fallbacks. It knows
 * models only through the contract and never imports an ML library.
 *
 * Memory rule: a load reserves its whole footprint at once or nothing
 * ({@link MemoryBudget.tryCharge}), so charged bytes never exceed the budget. The
 * footprint is the measurement remembered for that variant, else the adapter's
 * estimate; a measurement above the reservation is charged as it is (the memory is
 * already used), admissions stop and idle models are evicted until back under budget.
 *
 * Deadlock freedom: loads waiting for memory hold none and are admitted in FIFO
 * order. Every charged byte belongs to a load or unload that completes on its own, or
 * to a loaded model whose jobs drain on their own, after which it is idle and
 * evictable. So the oldest waiting load always gets its memory in the end, provided
 * that no job waits, inside `run()`, for a job of another managed model: services
 * chain jobs (OCR, then chat), they never nest them. The same rule keeps the thread's
 * turns from deadlocking: a piece holding the turn never waits for another model's piece.
 * A model kept busy without pause is never evicted, so a load that needs its memory waits
 * until it pauses.
 */
import type { Logger } from "pino";
import { pino } from "pino";
import type { Clock, TimerHandle } from "../../shared/clock.js";
import { CapacityError, ModelError, cancelledError } from "../../shared/errors.js";
import { ANONYMOUS_OWNER } from "../contract.js";
import type { JobEvent, LoadReport, ManagedModel, ModelHandle, RunOptions } from "../contract.js";
import { summarizeLine } from "../scheduler/index.js";
import { MemoryBudget } from "./budget.js";
import {
  DEFAULT_BATCH_AGING_MS,
  DEFAULT_CONCURRENCY,
  DEFAULT_IDLE_UNLOAD_MS,
  DEFAULT_MAX_PER_OWNER,
  DEFAULT_MAX_QUEUE,
  DEFAULT_RETRY_FAILED_AFTER_MS,
  isOutOfMemoryError,
} from "./defaults.js";
import { DEFAULT_REUSE_HORIZON_MS, chooseVictims } from "./eviction.js";
import type { EvictionCandidate } from "./eviction.js";
import { InMemoryFootprintStore } from "./footprints.js";
import type { FootprintStore } from "./footprints.js";
import { ModelSlot } from "./slot.js";
import type { Job } from "./slot.js";
import { ThreadTurns } from "./thread-turns.js";
import type {
  ManagerStats,
  ModelEvent,
  ModelEventListener,
  ModelManagerOptions,
  ModelStats,
  RegisterOptions,
  UnloadOutcome,
  UnloadReason,
} from "./types.js";

/** Load time assumed for a model never loaded yet, per GiB of footprint. */
const ASSUMED_LOAD_MS_PER_GIB = 1_000;

export class ModelManager {
  private readonly slots = new Map<string, ModelSlot>();
  private readonly budget: MemoryBudget;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly footprints: FootprintStore;
  private readonly isOutOfMemory: (error: unknown) => boolean;
  private readonly reuseHorizonMs: number;
  private readonly retryFailedAfterMs: number;
  private readonly batchAgingMs: number;
  private readonly listeners = new Set<ModelEventListener>();
  /** Whose piece runs next on the thread the `sharesThread` models share. */
  private readonly threadTurns: ThreadTurns<ModelSlot>;
  /** Models whose jobs wait for memory, oldest first. They hold no memory. */
  private readonly pendingLoads: ModelSlot[] = [];
  private shutdownPromise: Promise<void> | undefined;

  constructor(options: ModelManagerOptions) {
    this.budget = new MemoryBudget(options.budgetBytes);
    this.clock = options.clock;
    this.logger = options.logger ?? pino({ level: "silent" });
    this.footprints = options.footprints ?? new InMemoryFootprintStore();
    this.isOutOfMemory = options.isOutOfMemory ?? isOutOfMemoryError;
    this.reuseHorizonMs = options.reuseHorizonMs ?? DEFAULT_REUSE_HORIZON_MS;
    this.retryFailedAfterMs = options.retryFailedAfterMs ?? DEFAULT_RETRY_FAILED_AFTER_MS;
    this.batchAgingMs = options.batchAgingMs ?? DEFAULT_BATCH_AGING_MS;
    if (!(this.batchAgingMs >= 0)) throw new RangeError("batchAgingMs must be >= 0");
    this.threadTurns = new ThreadTurns(this.batchAgingMs);
  }

  /** Puts a model under management and returns the handle services submit jobs through. */
  register<In, Out>(
    model: ManagedModel<In, Out>,
    options: RegisterOptions = {},
  ): ModelHandle<In, Out> {
    if (this.slots.has(model.id)) throw new Error(`model "${model.id}" is already registered`);
    const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    const maxQueue = options.maxQueue ?? DEFAULT_MAX_QUEUE;
    const { maxQueueBytes, inputBytes } = options;
    const maxPerOwner = options.maxPerOwner ?? DEFAULT_MAX_PER_OWNER;
    const idleUnloadMs = options.idleUnloadMs ?? DEFAULT_IDLE_UNLOAD_MS;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`concurrency of "${model.id}" must be an integer >= 1`);
    }
    if (!Number.isInteger(maxQueue) || maxQueue < 0) {
      throw new RangeError(`maxQueue of "${model.id}" must be an integer >= 0`);
    }
    if (!Number.isInteger(maxPerOwner) || maxPerOwner < 1) {
      throw new RangeError(`maxPerOwner of "${model.id}" must be an integer >= 1`);
    }
    if (!(idleUnloadMs >= 0)) throw new RangeError(`idleUnloadMs of "${model.id}" must be >= 0`);
    if ((maxQueueBytes === undefined) !== (inputBytes === undefined)) {
      throw new RangeError(`"${model.id}" needs both maxQueueBytes and inputBytes, or neither`);
    }
    if (maxQueueBytes !== undefined && !(maxQueueBytes > 0)) {
      throw new RangeError(`maxQueueBytes of "${model.id}" must be > 0`);
    }
    const slot = new ModelSlot(model as ManagedModel, {
      concurrency,
      maxQueue,
      maxQueueBytes,
      inputBytes,
      maxPerOwner,
      idleUnloadMs,
      pinned: options.pinned ?? false,
      sharesThread: options.sharesThread ?? false,
      batchAgingMs: this.batchAgingMs,
    });
    this.slots.set(model.id, slot);
    return {
      id: model.id,
      run: (input, runOptions) => this.submit(slot, input, runOptions) as Promise<Out>,
    };
  }

  /** Loads the given models ahead of demand; resolves when all are loaded. */
  async preload(ids: readonly string[]): Promise<void> {
    const slots = ids.map((id) => this.slotOf(id));
    await Promise.all(slots.map((slot) => this.ensureLoaded(slot)));
  }

  /**
   * Unloads an idle model now, so that the next job loads it afresh (a reload an operator
   * asks for). A model with jobs running or waiting, or one loading or unloading, is left
   * alone: "busy". Resolves once the model's memory is released.
   */
  async unload(id: string): Promise<UnloadOutcome> {
    const slot = this.slotOf(id);
    if (slot.phase === "unloaded") return "not_loaded";
    if (slot.phase !== "ready" || slot.busy || this.shutdownPromise) return "busy";
    this.startUnload(slot, "requested");
    await slot.transition;
    return "unloaded";
  }

  /** Subscribes to lifecycle events; returns the unsubscribe function. */
  on(listener: ModelEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stats(): ManagerStats {
    const now = this.clock.now();
    const models = [...this.slots.values()].map((slot) => this.slotStats(slot, now));
    return {
      budgetBytes: this.budget.totalBytes,
      inUseBytes: this.budget.inUseBytes,
      reservedBytes: [...this.slots.values()]
        .filter((slot) => slot.phase === "loading")
        .reduce((sum, slot) => sum + slot.chargedBytes, 0),
      peakBytes: this.budget.peakBytes,
      pendingLoads: this.pendingLoads.map((slot) => slot.id),
      models,
    };
  }

  /**
   * Stops accepting jobs, rejects waiting ones, gives running jobs `timeoutMs` to end
   * before aborting them, then unloads every model. Idempotent. An adapter whose `run`
   * ignores its abort signal delays the unloads until that run returns, since a model is
   * never unloaded under a running job.
   */
  shutdown(timeoutMs: number): Promise<void> {
    this.shutdownPromise ??= this.drain(timeoutMs);
    return this.shutdownPromise;
  }

  private async drain(timeoutMs: number): Promise<void> {
    const refusal = () => new CapacityError("model.shutting_down", "the bot is shutting down");
    this.pendingLoads.length = 0;
    for (const slot of this.slots.values()) {
      this.clearIdleTimer(slot);
      for (const job of slot.drain()) this.settle(job, refusal());
      for (const waiter of slot.loadWaiters.splice(0)) waiter.reject(refusal());
      slot.loadController?.abort(refusal());
    }
    const running = () =>
      [...this.slots.values()].flatMap((slot) => [...slot.runningJobs.values()]);
    if (running().length > 0) {
      let timer: TimerHandle | undefined;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = this.clock.setTimeout(() => resolve("timeout"), timeoutMs);
      });
      const outcome = await Promise.race([Promise.all(running()), timeout]);
      if (timer) this.clock.clearTimeout(timer);
      if (outcome === "timeout") {
        this.logger.warn({ timeoutMs }, "aborting jobs still running at shutdown");
        for (const slot of this.slots.values()) {
          for (const job of slot.runningJobs.keys()) job.controller.abort(refusal());
        }
        await Promise.all(running());
      }
    }
    await Promise.all([...this.slots.values()].map((slot) => slot.transition));
    for (const slot of this.slots.values()) {
      if (slot.phase === "ready") this.startUnload(slot, "shutdown");
    }
    await Promise.all([...this.slots.values()].map((slot) => slot.transition));
  }

  private slotOf(id: string): ModelSlot {
    const slot = this.slots.get(id);
    if (!slot) throw new ModelError("model.missing", `no model "${id}" is registered`, { id });
    return slot;
  }

  private submit(slot: ModelSlot, input: unknown, options: RunOptions = {}): Promise<unknown> {
    const { signal, onEvent } = options;
    const owner = options.owner ?? ANONYMOUS_OWNER;
    const workClass = options.workClass ?? "interactive";
    if (this.shutdownPromise) {
      return Promise.reject(new CapacityError("model.shutting_down", "the bot is shutting down"));
    }
    if (signal?.aborted) return Promise.reject(cancelledError(signal.reason));
    // Work without an owner (start-up checks, tests) is no one's backlog: maxQueue bounds it.
    if (owner !== ANONYMOUS_OWNER && slot.queue.waitingOf(owner) >= slot.maxPerOwner) {
      return Promise.reject(
        new CapacityError("owner.busy", `one owner has too much waiting for "${slot.id}"`, {
          modelId: slot.id,
          maxPerOwner: slot.maxPerOwner,
        }),
      );
    }
    const bytes = slot.inputBytes?.(input) ?? 0;
    if (!slot.fits(bytes)) {
      return Promise.reject(
        new CapacityError("model.busy", `too many jobs are waiting for "${slot.id}"`, {
          modelId: slot.id,
          maxQueue: slot.maxQueue,
          ...(slot.maxQueueBytes === undefined ? {} : { maxQueueBytes: slot.maxQueueBytes }),
        }),
      );
    }
    return new Promise((resolve, reject) => {
      const controller = new AbortController();
      const onAbort = () => this.cancel(slot, job, signal?.reason);
      const now = this.clock.now();
      const job: Job = {
        input,
        enqueuedAt: now,
        owner,
        workClass,
        bytes,
        controller,
        onEvent: onEvent && ((event) => this.notify(onEvent, event)),
        reportedPosition: Number.POSITIVE_INFINITY,
        resolve,
        reject,
        detach: () => signal?.removeEventListener("abort", onAbort),
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      slot.enqueue(job, now);
      slot.requests.add(now);
      this.clearIdleTimer(slot);
      const startsNow =
        slot.phase === "ready" && slot.running + slot.queue.size <= slot.concurrency;
      // The newcomer may go ahead of others (interactive work, a new owner): all are told.
      if (!startsNow) slot.reportPositions(now);
      // A load already under way won't announce itself again; one started by pump() will.
      if (slot.phase === "loading") {
        const fallback = slot.variantIndex > 0;
        job.onEvent?.({ type: "loading", modelId: slot.variant.id, fallback });
      }
      this.pump(slot);
      // A job that looked free to start may still wait for another model's turn on the
      // shared thread: it is told its place like any job in line.
      if (startsNow && slot.sharesThread) slot.reportPositions(now);
    });
  }

  /** A caller aborted: a waiting job leaves the line, a running one gets its signal aborted. */
  private cancel(slot: ModelSlot, job: Job, reason: unknown): void {
    if (!slot.withdraw(job)) {
      job.controller.abort(reason);
      return;
    }
    this.settle(job, cancelledError(reason));
    slot.reportPositions(this.clock.now());
    // The model's turn on the shared thread may have been asked for that job.
    if (slot.sharesThread) this.pump(slot);
    if (slot.queue.size === 0 && slot.loadWaiters.length === 0) {
      const pending = this.pendingLoads.indexOf(slot);
      if (pending >= 0) this.pendingLoads.splice(pending, 1);
      if (slot.phase === "ready" && slot.running === 0) this.scheduleIdleUnload(slot);
    }
    this.admit();
  }

  /** Moves a model's work forward: start jobs if loaded, ask for a load if not. */
  private pump(slot: ModelSlot): void {
    if (slot.phase === "ready") {
      const now = this.clock.now();
      if (slot.sharesThread) {
        this.threadTurns.want(
          slot,
          slot.running < slot.concurrency ? slot.queue.peek(now) : undefined,
        );
        this.takeThreadTurns(now);
      } else {
        let started = 0;
        while (slot.running < slot.concurrency) {
          const job = slot.next(now);
          if (!job) break;
          this.start(slot, job);
          started += 1;
        }
        if (started > 0) slot.reportPositions(now);
      }
      if (!slot.busy) this.scheduleIdleUnload(slot);
    } else if (slot.phase === "unloaded" && (slot.queue.size > 0 || slot.loadWaiters.length > 0)) {
      this.requestLoad(slot);
    }
  }

  /** Starts the next piece on the shared thread, whichever model's it is, if the thread is free. */
  private takeThreadTurns(now: number): void {
    for (let slot = this.threadTurns.take(now); slot; slot = this.threadTurns.take(now)) {
      const job = slot.phase === "ready" ? slot.next(now) : undefined;
      if (!job) {
        this.threadTurns.release(slot, undefined);
        continue;
      }
      this.start(slot, job);
      slot.reportPositions(now);
    }
  }

  private ensureLoaded(slot: ModelSlot): Promise<void> {
    if (this.shutdownPromise) {
      return Promise.reject(new CapacityError("model.shutting_down", "the bot is shutting down"));
    }
    if (slot.phase === "ready") return Promise.resolve();
    return new Promise((resolve, reject) => {
      slot.loadWaiters.push({ resolve, reject });
      this.pump(slot);
    });
  }

  /** Queues a load for memory admission; one per model however many ask (single flight). */
  private requestLoad(slot: ModelSlot): void {
    if (this.pendingLoads.includes(slot)) return;
    const next = this.nextVariant(slot);
    if (next < 0) {
      this.failLoad(slot, this.unavailableError(slot));
      return;
    }
    slot.variantIndex = next;
    this.pendingLoads.push(slot);
    this.admit();
  }

  /**
   * The first variant worth loading: it fits the budget and has not failed within
   * `retryFailedAfterMs`; -1 when there is none.
   */
  private nextVariant(slot: ModelSlot): number {
    const now = this.clock.now();
    return slot.variants.findIndex((variant, index) => {
      const failure = slot.failures.get(index);
      const resting = failure !== undefined && now - failure.at < this.retryFailedAfterMs;
      return !resting && this.footprintOf(variant) <= this.budget.totalBytes;
    });
  }

  /** Why no variant of the model can serve: all larger than the budget, or failed recently. */
  private unavailableError(slot: ModelSlot): ModelError {
    const failures = [...slot.failures.entries()];
    if (failures.length === 0) {
      return new ModelError(
        "model.budget_exceeded",
        `"${slot.id}" and its fallbacks are larger than the memory budget`,
        { modelId: slot.id, budgetBytes: this.budget.totalBytes },
      );
    }
    const reasons = failures
      .map(([index, failure]) => `${slot.variants[index]?.id}: ${failure.reason}`)
      .join("; ");
    const last = failures.reduce((a, b) => (b[1].at >= a[1].at ? b : a))[1];
    return new ModelError(
      "model.load_failed",
      `no variant of "${slot.id}" can load (${reasons})`,
      { modelId: slot.id },
      { cause: last.error },
    );
  }

  /**
   * Admits waiting loads in FIFO order while they fit, and evicts idle models for the
   * first one that doesn't. Later loads wait behind it so it can't be starved.
   */
  private admit(): void {
    while (this.pendingLoads.length > 0 && !this.shutdownPromise) {
      const slot = this.pendingLoads[0] as ModelSlot;
      const need = this.footprintOf(slot.variant);
      if (this.budget.tryCharge(need)) {
        this.pendingLoads.shift();
        this.startLoad(slot, need);
        continue;
      }
      this.makeRoom(need, slot);
      return;
    }
    if (this.budget.inUseBytes > this.budget.totalBytes) this.makeRoom(0, undefined);
  }

  /** Evicts idle models so that `need` more bytes fit once unloads under way complete. */
  private makeRoom(need: number, requester: ModelSlot | undefined): void {
    const slots = [...this.slots.values()];
    const unloading = slots
      .filter((slot) => slot.phase === "unloading")
      .reduce((sum, slot) => sum + slot.chargedBytes, 0);
    const shortfall = this.budget.inUseBytes + need - this.budget.totalBytes - unloading;
    if (shortfall <= 0) return;
    const now = this.clock.now();
    const candidates: EvictionCandidate[] = slots
      .filter((slot) => slot !== requester && slot.phase === "ready" && !slot.busy)
      .map((slot) => ({
        id: slot.id,
        bytes: slot.chargedBytes,
        loadCostMs: slot.lastLoadMs ?? (slot.chargedBytes / 1024 ** 3) * ASSUMED_LOAD_MS_PER_GIB,
        idleMs: now - slot.lastUsedAt,
        recentRequests: slot.requests.valueAt(now),
        pinned: slot.pinned,
      }));
    const victims = chooseVictims(candidates, shortfall, this.reuseHorizonMs);
    for (const victim of victims ?? []) {
      const slot = this.slotOf(victim.id);
      this.emit({
        type: "evicted",
        modelId: slot.id,
        variantId: slot.variant.id,
        ...(requester ? { forModelId: requester.id } : {}),
        bytes: slot.chargedBytes,
      });
      this.startUnload(slot, "evicted");
    }
  }

  private startLoad(slot: ModelSlot, reservedBytes: number): void {
    const variant = slot.variant;
    const fallback = slot.variantIndex > 0;
    const controller = new AbortController();
    const startedAt = this.clock.now();
    slot.phase = "loading";
    slot.chargedBytes = reservedBytes;
    slot.loadController = controller;
    for (const job of slot.queue.order(startedAt)) {
      job.onEvent?.({ type: "loading", modelId: variant.id, fallback });
    }
    this.emit({
      type: "loading",
      modelId: slot.id,
      variantId: variant.id,
      fallback,
      reservedBytes,
    });
    slot.transition = Promise.resolve()
      .then(() => variant.load(controller.signal))
      .then(
        (report) => this.onLoaded(slot, report, startedAt),
        (error: unknown) => this.onLoadFailed(slot, error, startedAt),
      )
      .catch((error: unknown) => this.logger.error({ err: error }, "model manager bug after load"));
  }

  private onLoaded(slot: ModelSlot, report: LoadReport, startedAt: number): void {
    const variant = slot.variant;
    const now = this.clock.now();
    const durationMs = now - startedAt;
    slot.phase = "ready";
    slot.loadController = undefined;
    slot.transition = undefined;
    slot.device = report.device;
    slot.deviceNote = report.note;
    slot.loads += 1;
    slot.lastLoadMs = durationMs;
    slot.totalLoadMs += durationMs;
    slot.lastUsedAt = now;
    slot.loadedAt = now;
    slot.failures.delete(slot.variantIndex);
    const measured = report.measuredBytes;
    if (measured !== undefined && Number.isFinite(measured) && measured > 0) {
      this.footprints.set(variant.id, measured);
      if (measured < slot.chargedBytes) {
        this.budget.release(slot.chargedBytes - measured);
      } else if (measured > slot.chargedBytes) {
        this.logger.warn(
          { modelId: variant.id, reservedBytes: slot.chargedBytes, measuredBytes: measured },
          "model is larger than its reservation; evicting to get back under budget",
        );
        this.budget.forceCharge(measured - slot.chargedBytes);
      }
      slot.chargedBytes = measured;
    }
    this.emit({
      type: "loaded",
      modelId: slot.id,
      variantId: variant.id,
      fallback: slot.variantIndex > 0,
      device: report.device,
      ...(report.note === undefined ? {} : { note: report.note }),
      durationMs,
      estimatedBytes: variant.estimatedBytes,
      ...(measured === undefined ? {} : { measuredBytes: measured }),
    });
    for (const waiter of slot.loadWaiters.splice(0)) waiter.resolve();
    this.pump(slot);
    this.admit();
  }

  /**
   * Any load failure (missing files, a refused download, a CUDA session that can't start, a
   * corrupt file, out-of-memory) moves on to the next variant that may serve. The failed one
   * rests for `retryFailedAfterMs`, so requests in the meantime don't retry it.
   */
  private onLoadFailed(slot: ModelSlot, error: unknown, startedAt: number): void {
    const variant = slot.variant;
    const outOfMemory = this.isOutOfMemory(error);
    const now = this.clock.now();
    // Shutdown aborted the load: the variant did nothing wrong.
    const aborted = slot.loadController?.signal.aborted ?? false;
    this.budget.release(slot.chargedBytes);
    slot.chargedBytes = 0;
    slot.phase = "unloaded";
    slot.loadController = undefined;
    slot.transition = undefined;
    if (!aborted) slot.failures.set(slot.variantIndex, { reason: reasonOf(error), at: now, error });
    this.emit({
      type: "load_failed",
      modelId: slot.id,
      variantId: variant.id,
      durationMs: now - startedAt,
      outOfMemory,
      error,
    });
    const next = this.nextVariant(slot);
    const wanted = slot.queue.size > 0 || slot.loadWaiters.length > 0;
    if (next >= 0 && wanted && !this.shutdownPromise) {
      this.logger.warn(
        { modelId: variant.id, next: slot.variants[next]?.id, outOfMemory, err: error },
        "model failed to load; trying the next variant",
      );
      slot.variantIndex = next;
      this.pendingLoads.unshift(slot);
    } else if (aborted) {
      this.logger.info({ modelId: variant.id }, "model load stopped by shutdown");
      this.failLoad(slot, error);
    } else {
      this.logger.error({ modelId: variant.id, err: error }, "model failed to load");
      this.failLoad(slot, this.unavailableError(slot));
    }
    this.admit();
  }

  /** Rejects everyone waiting for a load that won't happen; a later request retries. */
  private failLoad(slot: ModelSlot, error: unknown): void {
    for (const job of slot.drain()) this.settle(job, error);
    for (const waiter of slot.loadWaiters.splice(0)) waiter.reject(error);
  }

  private start(slot: ModelSlot, job: Job): void {
    const variant = slot.variant;
    const startedAt = this.clock.now();
    slot.running += 1;
    job.onEvent?.({ type: "running", modelId: variant.id });
    const done = Promise.resolve()
      .then(() => variant.run(job.input, job.controller.signal))
      .then(
        (output) => ({ ok: true as const, output }),
        (error: unknown) => ({ ok: false as const, error }),
      )
      .then((outcome) => {
        const now = this.clock.now();
        const runMs = now - startedAt;
        slot.running -= 1;
        slot.runningJobs.delete(job);
        slot.queue.finished(job, runMs);
        if (slot.sharesThread) this.threadTurns.release(slot, runMs);
        slot.lastUsedAt = now;
        if (outcome.ok) {
          slot.jobsOk += 1;
          slot.runTimes.push(runMs);
          this.settle(job, undefined, outcome.output);
        } else {
          slot.jobsFailed += 1;
          const aborted = job.controller.signal.aborted;
          this.settle(job, aborted ? cancelledError(job.controller.signal.reason) : outcome.error);
        }
        this.emit({
          type: "job_done",
          modelId: slot.id,
          variantId: variant.id,
          ok: outcome.ok,
          workClass: job.workClass,
          waitMs: startedAt - job.enqueuedAt,
          runMs,
          ...(outcome.ok ? {} : { error: outcome.error }),
        });
        this.pump(slot);
        this.admit();
      })
      .catch((error: unknown) => this.logger.error({ err: error }, "model manager bug after run"));
    slot.runningJobs.set(job, done);
  }

  private startUnload(slot: ModelSlot, reason: UnloadReason): void {
    const variant = slot.variant;
    const startedAt = this.clock.now();
    this.clearIdleTimer(slot);
    slot.phase = "unloading";
    slot.transition = Promise.resolve()
      .then(() => variant.unload())
      .catch((error: unknown) =>
        this.logger.error({ modelId: variant.id, err: error }, "model failed to unload cleanly"),
      )
      .then(() => {
        this.budget.release(slot.chargedBytes);
        slot.chargedBytes = 0;
        slot.phase = "unloaded";
        slot.transition = undefined;
        this.emit({
          type: "unloaded",
          modelId: slot.id,
          variantId: variant.id,
          reason,
          durationMs: this.clock.now() - startedAt,
          residentMs: startedAt - slot.loadedAt,
        });
        if (!this.shutdownPromise) this.pump(slot);
        this.admit();
      });
  }

  private scheduleIdleUnload(slot: ModelSlot): void {
    this.clearIdleTimer(slot);
    if (slot.pinned || slot.idleUnloadMs === 0 || this.shutdownPromise) return;
    slot.idleTimer = this.clock.setTimeout(() => {
      slot.idleTimer = undefined;
      if (slot.phase === "ready" && !slot.busy) this.startUnload(slot, "idle");
    }, slot.idleUnloadMs);
  }

  private clearIdleTimer(slot: ModelSlot): void {
    if (slot.idleTimer === undefined) return;
    this.clock.clearTimeout(slot.idleTimer);
    slot.idleTimer = undefined;
  }

  private footprintOf(variant: ManagedModel): number {
    return this.footprints.get(variant.id) ?? variant.estimatedBytes;
  }

  private settle(job: Job, error: unknown, output?: unknown): void {
    job.detach();
    if (error === undefined) job.resolve(output);
    else job.reject(error);
  }

  /** A caller's progress callback must not break the manager's bookkeeping. */
  private notify(onEvent: (event: JobEvent) => void, event: JobEvent): void {
    try {
      onEvent(event);
    } catch (error) {
      this.logger.error({ err: error, event: event.type }, "job event callback failed");
    }
  }

  private emit(event: ModelEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error({ err: error, event: event.type }, "model event listener failed");
      }
    }
  }

  private slotStats(slot: ModelSlot, now: number): ModelStats {
    const variant = slot.variant;
    const measured = this.footprints.get(variant.id);
    const idle = slot.phase === "ready" && !slot.busy;
    return {
      id: slot.id,
      task: slot.model.task,
      state: slot.state,
      pinned: slot.pinned,
      waitingForMemory: this.pendingLoads.includes(slot),
      variantId: variant.id,
      ...(variant.label === undefined ? {} : { variantLabel: variant.label }),
      fallbackActive: slot.variantIndex > 0 && slot.phase !== "unloaded",
      unavailable: [...slot.failures.entries()]
        .map(([index, failure]) => ({
          variantId: slot.variants[index]?.id ?? String(index),
          ...(slot.variants[index]?.label === undefined
            ? {}
            : { label: slot.variants[index]?.label as string }),
          reason: failure.reason,
          retryInMs: Math.max(0, failure.at + this.retryFailedAfterMs - now),
        }))
        .sort((a, b) => a.variantId.localeCompare(b.variantId)),
      ...(slot.device === undefined ? {} : { device: slot.device }),
      ...(slot.deviceNote === undefined ? {} : { deviceNote: slot.deviceNote }),
      estimatedBytes: variant.estimatedBytes,
      ...(measured === undefined ? {} : { measuredBytes: measured }),
      chargedBytes: slot.chargedBytes,
      loads: slot.loads,
      ...(slot.lastLoadMs === undefined ? {} : { lastLoadMs: slot.lastLoadMs }),
      ...(slot.loads === 0 ? {} : { avgLoadMs: slot.totalLoadMs / slot.loads }),
      jobsOk: slot.jobsOk,
      jobsFailed: slot.jobsFailed,
      running: slot.running,
      concurrency: slot.concurrency,
      queued: slot.queue.size,
      line: summarizeLine(slot.queue.snapshot(now)),
      ...optional("runP50Ms", slot.runTimes.percentile(50)),
      ...optional("runP95Ms", slot.runTimes.percentile(95)),
      ...(idle ? { idleMs: now - slot.lastUsedAt } : {}),
    };
  }
}

/** The first line of an error's message, the cause's too when it has one. */
function reasonOf(error: unknown): string {
  const line = (value: unknown) =>
    (value instanceof Error ? value.message : String(value)).split("\n")[0] ?? "";
  const cause = error instanceof Error && error.cause !== undefined ? line(error.cause) : "";
  const own = line(error);
  return cause && !own.includes(cause) ? `${own}: ${cause}` : own;
}

function optional<K extends string>(key: K, value: number | undefined): { [P in K]?: number } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: number };
}
