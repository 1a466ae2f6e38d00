/**
 * The bot's side of a cluster (ROLE=bot): model handles that submit each job to the queue
 * of its model kind and resolve with the worker's result. Services hold these handles as
 * they hold the manager's, and notice no difference: job events and generated text arrive as
 * BullMQ progress, a cancelled signal reaches the job's signal on the worker.
 *
 * Jobs wait in the bot, in one fair line per kind (dispatch.ts): BullMQ gets at most as many
 * of a kind's jobs as the live workers serving it can run at once (their heartbeats say how
 * many), the next ones in fair order whenever a job settles, a job is cancelled or a
 * heartbeat changes the capacity. A waiting job hears its place in that order.
 *
 * Nothing waits forever. A watchdog runs every heartbeat: it settles jobs whose outcome
 * event was missed (a reconnect), fails jobs no live worker serves (cluster.no_worker),
 * jobs that vanished from Redis (cluster.lost, e.g. Redis restarted without persistence),
 * and every job while Redis stays unreachable (cluster.unavailable).
 */
import { randomUUID } from "node:crypto";
import { Queue, QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { ClusterConfig } from "../config/index.js";
import {
  ANONYMOUS_OWNER,
  type ModelHandle,
  type RunOptions,
  type WorkClass,
} from "../models/contract.js";
import { summarizeLine, type LineSize, type LineSummary } from "../models/scheduler/index.js";
import type { Clock } from "../shared/clock.js";
import { repeatAfter, type Repeating } from "../shared/repeat.js";
import { AppError, CapacityError, cancelledError, ModelError } from "../shared/errors.js";
import { decode, decodeError, encode } from "./codec.js";
import { FairDispatcher, PRIORITY } from "./dispatch.js";
import {
  MODEL_KINDS,
  queueName,
  type ModelKind,
  type WireJob,
  type WireProgress,
} from "./kinds.js";
import { consumerConnection, producerConnection, whenReady } from "./redis.js";
import { capacityOf, readHeartbeats, type WorkerHeartbeat } from "./registry.js";
import { requestToWire } from "./wire.js";

export interface RemoteModelsOptions {
  settings: ClusterConfig & { redisUrl: string };
  /**
   * What may wait for a kind (in the bot and in Redis): a count, and for audio kinds also the
   * bytes of their payloads; one more is refused with model.busy.
   */
  lineSize: (kind: ModelKind) => LineSize;
  /** Jobs one owner may have waiting for a kind; one more is refused with owner.busy. */
  maxPerOwner: number;
  /** How long batch work may wait behind interactive work before it goes first. */
  batchAgingMs: number;
  logger: Logger;
  clock: Clock;
}

interface Pending {
  readonly id: string;
  readonly kind: ModelKind;
  readonly owner: string;
  readonly workClass: WorkClass;
  readonly job: WireJob;
  readonly bytes: number;
  /** BullMQ holds the job (its add answered), so the watchdog may look it up. */
  added: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  onProgress: (progress: WireProgress) => void;
  /** The place in line last reported (1 = next). */
  position?: number;
}

/**
 * How long finished jobs (input and result) stay in Redis for a late reader, the watchdog:
 * seconds. Long enough for many watchdog ticks, short enough that media doesn't pile up.
 */
const KEEP_FINISHED = { age: 300, count: 1_000 };

const unavailable = (cause?: unknown) =>
  new AppError("cluster.unavailable", "Redis is unreachable", {}, { cause });

const lost = () => new AppError("cluster.lost", "the job vanished from Redis");

const noWorker = (kind: ModelKind) =>
  new ModelError("cluster.no_worker", `no worker serves "${kind}"`, { modelId: kind });

const shuttingDown = () => new CapacityError("model.shutting_down", "the bot is shutting down");

/** One kind's waiting and running jobs, for /status. */
export interface QueueCounts {
  kind: ModelKind;
  /** Jobs not running yet: in the bot's line and in Redis. */
  waiting: number;
  active: number;
  /** The bot's line, owners hashed (only the few with the most waiting). */
  line: LineSummary;
}

export class RemoteModels {
  private readonly redis: Redis;
  /** The event readers' own connections (a blocking read can't share one). */
  private readonly connections: Redis[] = [];
  private readonly queues = new Map<ModelKind, Queue>();
  private readonly events = new Map<ModelKind, QueueEvents>();
  private readonly lines = new Map<ModelKind, FairDispatcher<Pending>>();
  private readonly pending = new Map<string, Pending>();
  private workers: WorkerHeartbeat[] = [];
  /** The heartbeat read under way, shared by whoever asks meanwhile. */
  private workersRead: Promise<void> | undefined;
  private queueCounts: Omit<QueueCounts, "line">[] = [];
  private unreachableTicks = 0;
  private watchdog: Repeating | undefined;
  private closed = false;

  constructor(private readonly options: RemoteModelsOptions) {
    const { settings, logger } = options;
    this.redis = producerConnection(settings.redisUrl, logger);
    for (const kind of MODEL_KINDS) {
      this.lines.set(kind, new FairDispatcher<Pending>({ agingMs: options.batchAgingMs }));
      const queue = new Queue(queueName(kind), { connection: this.redis, prefix: settings.prefix });
      queue.on("error", (error) => logger.debug({ err: error, kind }, "queue error"));
      this.queues.set(kind, queue);
      const connection = consumerConnection(settings.redisUrl, logger);
      this.connections.push(connection);
      const events = new QueueEvents(queueName(kind), {
        connection,
        prefix: settings.prefix,
      });
      events.on("error", (error) => logger.debug({ err: error, kind }, "queue events error"));
      events.on("active", ({ jobId }) => this.started(jobId));
      events.on("progress", ({ jobId, data }) =>
        this.pending.get(jobId)?.onProgress(data as WireProgress),
      );
      events.on("completed", ({ jobId, returnvalue }) =>
        this.settle(jobId, undefined, returnvalue as unknown as string),
      );
      events.on("failed", ({ jobId, failedReason }) =>
        this.settle(jobId, this.failure(failedReason)),
      );
      this.events.set(kind, events);
    }
  }

  /** Connects (up to `timeoutMs`) and starts the watchdog. */
  async start(timeoutMs: number): Promise<void> {
    await whenReady(this.redis, timeoutMs);
    await Promise.all([...this.events.values()].map((events) => events.waitUntilReady()));
    await this.tick();
    this.watchdog = repeatAfter(
      this.options.clock,
      this.options.settings.heartbeatMs,
      () => this.tick(),
      (error) => this.options.logger.warn({ err: error }, "cluster watchdog tick failed"),
    );
  }

  /** A handle for `kind`, shaped like the manager's. */
  handle<In, Out>(kind: ModelKind): ModelHandle<In, Out> {
    return { id: kind, run: (input, options) => this.run(kind, input, options) as Promise<Out> };
  }

  /** Whether Redis answers, for /health/ready. */
  isReachable(): boolean {
    return this.redis.status === "ready";
  }

  /** Live workers as of the last heartbeat read. */
  liveWorkers(): readonly WorkerHeartbeat[] {
    return this.workers;
  }

  /** Waiting and running jobs per kind (Redis as of the last watchdog tick), and the bot's lines. */
  queueSnapshot(): readonly QueueCounts[] {
    const now = this.options.clock.now();
    return this.queueCounts.map((counts) => {
      const line = this.lines.get(counts.kind)!.snapshot(now);
      const inLine = line.classes.interactive.waiting + line.classes.batch.waiting;
      return { ...counts, waiting: counts.waiting + inLine, line: summarizeLine(line) };
    });
  }

  /** Fails what is still pending (model.shutting_down), cancels it on the workers, disconnects. */
  async shutdown(): Promise<void> {
    this.closed = true;
    this.watchdog?.stop();
    for (const pending of [...this.pending.values()]) this.cancel(pending, shuttingDown());
    await Promise.allSettled([
      ...[...this.events.values()].map((events) => events.close()),
      ...[...this.queues.values()].map((queue) => queue.close()),
    ]);
    this.redis.disconnect();
    for (const connection of this.connections) connection.disconnect();
  }

  private async run(kind: ModelKind, input: unknown, options: RunOptions = {}): Promise<unknown> {
    const { signal, onEvent, owner = ANONYMOUS_OWNER, workClass = "interactive" } = options;
    if (this.closed) throw shuttingDown();
    if (signal?.aborted) throw cancelledError(signal.reason);
    const { wire, onText } = requestToWire(kind, input);
    const job: WireJob = {
      kind,
      payload: encode(wire, this.options.settings.maxPayloadBytes),
      stream: onText !== undefined,
      owner,
      workClass,
    };
    if (!this.isReachable()) throw unavailable();
    try {
      await this.refreshWorkers();
      // A shared read may have begun before a worker that just started wrote its heartbeat:
      // refuse only on a read begun after the request.
      if (capacityOf(this.workers, kind) === 0) await this.readWorkers();
    } catch (error) {
      throw unavailable(error);
    }
    if (this.closed) throw shuttingDown();
    if (signal?.aborted) throw cancelledError(signal.reason);
    if (capacityOf(this.workers, kind) === 0) {
      this.options.logger.warn({ kind }, "no live worker serves this model kind");
      throw noWorker(kind);
    }
    const line = this.lines.get(kind)!;
    const size = this.options.lineSize(kind);
    const bytes = Buffer.byteLength(job.payload);
    if (!line.fits(bytes, size)) {
      throw new CapacityError("model.busy", `too many jobs are waiting for "${kind}"`, {
        modelId: kind,
        ...size,
      });
    }
    const { maxPerOwner } = this.options;
    if (line.waitingOf(owner) >= maxPerOwner) {
      throw new CapacityError("owner.busy", `the owner has too many jobs waiting for "${kind}"`, {
        modelId: kind,
        maxWaiting: maxPerOwner,
      });
    }
    return new Promise<unknown>((resolve, reject) => {
      const detach = () => signal?.removeEventListener("abort", onAbort);
      const pending: Pending = {
        id: randomUUID(),
        kind,
        owner,
        workClass,
        job,
        bytes,
        added: false,
        resolve: (value) => {
          detach();
          resolve(value);
        },
        reject: (error) => {
          detach();
          reject(error);
        },
        onProgress: (progress) => {
          if (signal?.aborted) return;
          if ("text" in progress) onText?.(progress.text);
          else onEvent?.(progress.event);
        },
      };
      const onAbort = () => this.cancel(pending, cancelledError(signal?.reason));
      signal?.addEventListener("abort", onAbort, { once: true });
      this.pending.set(pending.id, pending);
      line.enqueue(pending, this.options.clock.now());
      this.dispatch(kind);
    });
  }

  /**
   * Reads the live workers. Calls made while a read is under way share it: jobs submitted
   * one after another then enter the line in that order.
   */
  private refreshWorkers(): Promise<void> {
    this.workersRead ??= this.readWorkers().finally(() => {
      this.workersRead = undefined;
    });
    return this.workersRead;
  }

  /** Reads the live workers now, sharing nothing. */
  private async readWorkers(): Promise<void> {
    this.workers = await readHeartbeats(this.redis, this.options.settings.prefix);
  }

  /**
   * Hands BullMQ the kind's next jobs in fair order while the live workers have room for
   * them (nothing while Redis is away: the line rides out a blip), then tells the waiting
   * jobs their places.
   */
  private dispatch(kind: ModelKind): void {
    const line = this.lines.get(kind)!;
    if (!this.closed && this.isReachable()) {
      const queue = this.queues.get(kind)!;
      const now = this.options.clock.now();
      for (const pending of line.take(capacityOf(this.workers, kind), now)) {
        queue
          .add(kind, pending.job, {
            jobId: pending.id,
            priority: PRIORITY[pending.workClass],
            attempts: 1,
            removeOnComplete: KEEP_FINISHED,
            removeOnFail: KEEP_FINISHED,
          })
          .then(
            () => {
              pending.added = true;
              // Cancelled while being added: the removal came too early to find it.
              if (!this.pending.has(pending.id)) this.cancelRemote(pending);
            },
            (error: unknown) => this.settle(pending.id, unavailable(error)),
          );
      }
    }
    this.reportPositions(kind);
  }

  /**
   * Tells each waiting job of the kind its place when it changed. A job handed to BullMQ
   * at once was never in line and hears nothing until it runs.
   */
  private reportPositions(kind: ModelKind): void {
    const line = this.lines.get(kind)!;
    for (const [pending, position] of line.positions(this.options.clock.now())) {
      if (position === pending.position) continue;
      if (pending.position === undefined && line.isSent(pending)) continue;
      pending.position = position;
      pending.onProgress({ event: { type: "queued", position } });
    }
  }

  /** A worker took the job (its "active" event, or the watchdog when that was missed). */
  private started(id: string): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.lines.get(pending.kind)!.started(pending, this.options.clock.now());
    this.reportPositions(pending.kind);
  }

  /**
   * Delivers a job's outcome once (the first of the event, the watchdog and an abort wins)
   * and gives its room in Redis to the next job in line.
   */
  private settle(id: string, error: unknown, encoded?: string): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    this.lines.get(pending.kind)!.drop(pending, this.options.clock.now());
    if (error !== undefined) pending.reject(error);
    else {
      try {
        pending.resolve(decode(encoded ?? "null"));
      } catch (decodeFailure) {
        pending.reject(decodeFailure);
      }
    }
    this.dispatch(pending.kind);
  }

  /** Fails a job with `error`; one handed to BullMQ is also removed there or aborted on its worker. */
  private cancel(pending: Pending, error: unknown): void {
    if (this.lines.get(pending.kind)!.isSent(pending)) this.cancelRemote(pending);
    this.settle(pending.id, error);
  }

  private failure(reason: string): Error {
    return decodeError(reason, (text) => {
      // BullMQ's reason once a job stalled on more workers than allowed (a worker died each time).
      if (/stalled/i.test(text)) return new AppError("cluster.lost", `the job was lost: ${text}`);
      return new ModelError("model.failed", text);
    });
  }

  /** Removes a job waiting in Redis and tells the worker running it, if any, to abort it. */
  private cancelRemote(pending: Pending): void {
    this.redis.publish(`${this.options.settings.prefix}:cancel`, pending.id).catch(() => undefined);
    this.queues
      .get(pending.kind)!
      .remove(pending.id)
      .catch(() => undefined);
  }

  private async tick(): Promise<void> {
    try {
      await this.check();
      if (this.unreachableTicks > 0) this.options.logger.info("Redis is reachable again");
      this.unreachableTicks = 0;
    } catch (error) {
      this.unreachableTicks += 1;
      if (this.unreachableTicks === 1)
        this.options.logger.warn({ err: error }, "Redis is unreachable");
      // One missed tick may be a blip; two mean users should hear about it.
      if (this.unreachableTicks >= 2) {
        for (const id of [...this.pending.keys()]) this.settle(id, unavailable(error));
      }
    }
  }

  private async check(): Promise<void> {
    await this.refreshWorkers();
    this.queueCounts = await Promise.all(
      MODEL_KINDS.map(async (kind) => {
        const counts = await this.queues
          .get(kind)!
          .getJobCounts("waiting", "prioritized", "active");
        const waiting = (counts.waiting ?? 0) + (counts.prioritized ?? 0);
        return { kind, waiting, active: counts.active ?? 0 };
      }),
    );
    const served = new Set(MODEL_KINDS.filter((kind) => capacityOf(this.workers, kind) > 0));
    for (const pending of [...this.pending.values()]) {
      if (served.has(pending.kind)) continue;
      this.options.logger.warn(
        { kind: pending.kind, jobId: pending.id },
        "no live worker serves a pending job",
      );
      this.cancel(pending, noWorker(pending.kind));
    }
    for (const pending of [...this.pending.values()]) {
      if (!pending.added) continue;
      const queue = this.queues.get(pending.kind)!;
      // The state before the job: a job read before it finished would carry no result.
      const state = await queue.getJobState(pending.id);
      if (state === "completed" || state === "failed") {
        const job = await queue.getJob(pending.id);
        if (!job) this.settle(pending.id, lost());
        else if (state === "completed")
          this.settle(pending.id, undefined, job.returnvalue as string);
        else this.settle(pending.id, this.failure(job.failedReason));
      } else if (state === "unknown") this.settle(pending.id, lost());
      else if (state === "active") this.started(pending.id);
    }
    // The capacity may have changed, and aging may have changed the order.
    for (const kind of MODEL_KINDS) this.dispatch(kind);
  }
}
