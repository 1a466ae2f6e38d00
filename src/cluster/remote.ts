/**
 * The bot's side of a cluster (ROLE=bot): model handles that submit each job to the queue
 * of its model kind and resolve with the worker's result. Services hold these handles as
 * they hold the manager's, and notice no difference: job events and generated text arrive as
 * BullMQ progress, a cancelled signal reaches the job's signal on the worker.
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
import type { ModelHandle, RunOptions } from "../models/contract.js";
import type { Clock } from "../shared/clock.js";
import { repeatAfter, type Repeating } from "../shared/repeat.js";
import { AppError, CapacityError, cancelledError, ModelError } from "../shared/errors.js";
import { decode, decodeError, encode } from "./codec.js";
import {
  MODEL_KINDS,
  queueName,
  waitListKey,
  type ModelKind,
  type WireJob,
  type WireProgress,
} from "./kinds.js";
import { consumerConnection, producerConnection, whenReady } from "./redis.js";
import { readHeartbeats, type WorkerHeartbeat } from "./registry.js";
import { requestToWire } from "./wire.js";

export interface RemoteModelsOptions {
  settings: ClusterConfig & { redisUrl: string };
  /** Jobs allowed to wait in one kind's queue; one more is refused with model.busy. */
  /** Jobs that may wait for a kind before "too busy". */
  maxQueue: (kind: ModelKind) => number;
  logger: Logger;
  clock: Clock;
}

interface Pending {
  kind: ModelKind;
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

/** A job's snapshot per queue kind, for /status. */
export interface QueueCounts {
  kind: ModelKind;
  waiting: number;
  active: number;
}

export class RemoteModels {
  private readonly redis: Redis;
  /** The event readers' own connections (a blocking read can't share one). */
  private readonly connections: Redis[] = [];
  private readonly queues = new Map<ModelKind, Queue>();
  private readonly events = new Map<ModelKind, QueueEvents>();
  private readonly pending = new Map<string, Pending>();
  private workers: WorkerHeartbeat[] = [];
  private queueCounts: QueueCounts[] = [];
  private unreachableTicks = 0;
  private watchdog: Repeating | undefined;
  private closed = false;

  constructor(private readonly options: RemoteModelsOptions) {
    const { settings, logger } = options;
    this.redis = producerConnection(settings.redisUrl, logger);
    for (const kind of MODEL_KINDS) {
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

  /** Waiting and running jobs per kind, as of the last watchdog tick. */
  queueSnapshot(): readonly QueueCounts[] {
    return this.queueCounts;
  }

  /** Fails what is still pending (model.shutting_down), cancels it on the workers, disconnects. */
  async shutdown(): Promise<void> {
    this.closed = true;
    this.watchdog?.stop();
    for (const id of [...this.pending.keys()]) {
      this.cancelRemote(id);
      this.settle(id, new CapacityError("model.shutting_down", "the bot is shutting down"));
    }
    await Promise.allSettled([
      ...[...this.events.values()].map((events) => events.close()),
      ...[...this.queues.values()].map((queue) => queue.close()),
    ]);
    this.redis.disconnect();
    for (const connection of this.connections) connection.disconnect();
  }

  private async run(kind: ModelKind, input: unknown, options: RunOptions = {}): Promise<unknown> {
    const { signal, onEvent } = options;
    if (this.closed) throw new CapacityError("model.shutting_down", "the bot is shutting down");
    if (signal?.aborted) throw cancelledError(signal.reason);
    const { wire, onText } = requestToWire(kind, input);
    const job: WireJob = {
      kind,
      payload: encode(wire, this.options.settings.maxPayloadBytes),
      stream: onText !== undefined,
    };
    if (!this.isReachable()) throw unavailable();
    const queue = this.queues.get(kind)!;
    let waiting: number;
    try {
      this.workers = await readHeartbeats(this.redis, this.options.settings.prefix);
      waiting = await queue.getWaitingCount();
    } catch (error) {
      throw unavailable(error);
    }
    if (!this.workers.some((worker) => worker.kinds.includes(kind))) {
      this.options.logger.warn({ kind }, "no live worker serves this model kind");
      throw new ModelError("cluster.no_worker", `no worker serves "${kind}"`, { modelId: kind });
    }
    const maxQueue = this.options.maxQueue(kind);
    if (waiting >= maxQueue) {
      throw new CapacityError("model.busy", `too many jobs are waiting for "${kind}"`, {
        modelId: kind,
        maxQueue,
      });
    }
    const id = randomUUID();
    const result = new Promise<unknown>((resolve, reject) => {
      const onAbort = () => {
        this.cancelRemote(id);
        this.settle(id, cancelledError(signal?.reason));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const detach = () => signal?.removeEventListener("abort", onAbort);
      this.pending.set(id, {
        kind,
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
      });
    });
    try {
      await queue.add(kind, job, {
        jobId: id,
        attempts: 1,
        removeOnComplete: KEEP_FINISHED,
        removeOnFail: KEEP_FINISHED,
      });
    } catch (error) {
      this.settle(id, unavailable(error));
    }
    if (waiting > 0) this.reportPosition(id, waiting + 1);
    return result;
  }

  /** Tells the job's caller its place in line when it moved up. */
  private reportPosition(id: string, position: number): void {
    const pending = this.pending.get(id);
    if (!pending || position >= (pending.position ?? Number.POSITIVE_INFINITY)) return;
    pending.position = position;
    pending.onProgress({ event: { type: "queued", position } });
  }

  /** Delivers a job's outcome once: the first of the event, the watchdog and an abort wins. */
  private settle(id: string, error: unknown, encoded?: string): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    if (error !== undefined) return pending.reject(error);
    try {
      pending.resolve(decode(encoded ?? "null"));
    } catch (decodeFailure) {
      pending.reject(decodeFailure);
    }
  }

  private failure(reason: string): Error {
    return decodeError(reason, (text) => {
      // BullMQ's reason once a job stalled on more workers than allowed (a worker died each time).
      if (/stalled/i.test(text)) return new AppError("cluster.lost", `the job was lost: ${text}`);
      return new ModelError("model.failed", text);
    });
  }

  /** Removes a waiting job and tells the worker running it, if any, to abort it. */
  private cancelRemote(id: string): void {
    const { prefix } = this.options.settings;
    const kind = this.pending.get(id)?.kind;
    this.redis.publish(`${prefix}:cancel`, id).catch(() => undefined);
    if (kind)
      this.queues
        .get(kind)!
        .remove(id)
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
    const { prefix } = this.options.settings;
    this.workers = await readHeartbeats(this.redis, prefix);
    this.queueCounts = await Promise.all(
      MODEL_KINDS.map(async (kind) => {
        const counts = await this.queues.get(kind)!.getJobCounts("waiting", "active");
        return { kind, waiting: counts.waiting ?? 0, active: counts.active ?? 0 };
      }),
    );
    for (const [id, pending] of [...this.pending]) {
      const job = await this.queues.get(pending.kind)!.getJob(id);
      if (!job) {
        this.settle(id, new AppError("cluster.lost", "the job vanished from Redis"));
        continue;
      }
      const state = await job.getState();
      if (state === "completed") this.settle(id, undefined, job.returnvalue as string);
      else if (state === "failed") this.settle(id, this.failure(job.failedReason));
      else if (!this.workers.some((worker) => worker.kinds.includes(pending.kind))) {
        this.options.logger.warn(
          { kind: pending.kind, jobId: id },
          "no live worker serves a pending job",
        );
        this.cancelRemote(id);
        this.settle(id, new ModelError("cluster.no_worker", `no worker serves "${pending.kind}"`));
      } else if (state === "waiting") {
        const key = waitListKey(prefix, pending.kind);
        const [index, length] = await Promise.all([this.redis.lpos(key, id), this.redis.llen(key)]);
        if (index !== null) this.reportPosition(id, length - index);
      }
    }
  }
}
