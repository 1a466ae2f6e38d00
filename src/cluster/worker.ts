/**
 * The worker's side of a cluster (ROLE=worker): one BullMQ consumer per model kind it
 * serves, running each job through the local model manager's handle, so the manager's
 * budget, queue and fallbacks apply as in the single process (the job's owner and class go
 * with it, so that queue is fair too). Job events and generated text go
 * back as progress; a cancel published by the bot aborts the job's signal. A heartbeat
 * says what it serves and how busy it is; placement.ts decides which queues it pulls.
 *
 * A worker killed mid-job stops renewing the job's lock; BullMQ's stalled-job check (run
 * by every worker) puts the job back, up to CLUSTER_MAX_ATTEMPTS runs in all.
 */
import os from "node:os";
import { UnrecoverableError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { ClusterConfig } from "../config/index.js";
import type { ModelHandle } from "../models/contract.js";
import type { ManagerStats } from "../models/manager/index.js";
import type { Clock, TimerHandle } from "../shared/clock.js";
import { repeatAfter, type Repeating } from "../shared/repeat.js";
import { decode, encode, encodeError } from "./codec.js";
import {
  queueName,
  waitingKeys,
  type ModelKind,
  type WireJob,
  type WireProgress,
} from "./kinds.js";
import { shouldPull } from "./placement.js";
import { consumerConnection, producerConnection, whenReady } from "./redis.js";
import {
  readHeartbeats,
  removeHeartbeat,
  writeHeartbeat,
  type WorkerHeartbeat,
} from "./registry.js";
import { requestFromWire } from "./wire.js";

export interface ClusterWorkerOptions {
  settings: ClusterConfig & { redisUrl: string };
  id: string;
  kinds: readonly ModelKind[];
  /** A handle for each kind served (at least). */
  handles: Readonly<Partial<Record<ModelKind, ModelHandle<unknown, unknown>>>>;
  stats: () => ManagerStats;
  logger: Logger;
  clock: Clock;
  /** How often placement is reconsidered (default: every heartbeat). */
  placementMs?: number;
}

export class ClusterWorker {
  private readonly redis: Redis;
  private readonly subscriber: Redis;
  private readonly consumers = new Map<ModelKind, Worker>();
  private readonly paused = new Set<ModelKind>();
  /** Jobs of each kind taken at once: the manager's concurrency of the kind's model. */
  private readonly concurrency: Partial<Record<ModelKind, number>> = {};
  private readonly connections: Redis[] = [];
  private readonly startedAt: number;
  private heartbeats: Repeating | undefined;
  private placement: Repeating | undefined;
  private heartbeatFailing = false;

  constructor(private readonly options: ClusterWorkerOptions) {
    // Heartbeats fail fast while Redis is away rather than queue up: the worker notices.
    this.redis = producerConnection(options.settings.redisUrl, options.logger);
    this.subscriber = consumerConnection(options.settings.redisUrl, options.logger);
    this.startedAt = options.clock.now();
    const missing = options.kinds.filter((kind) => !options.handles[kind]);
    if (missing.length > 0) throw new Error(`no model handle for ${missing.join(", ")}`);
  }

  get id(): string {
    return this.options.id;
  }

  isReachable(): boolean {
    return this.redis.status === "ready";
  }

  async start(timeoutMs: number): Promise<void> {
    const { settings, kinds, logger } = this.options;
    await whenReady(this.redis, timeoutMs);
    await this.subscriber.subscribe(`${settings.prefix}:cancel`);
    this.subscriber.on("message", (_channel: string, jobId: string) => {
      for (const consumer of this.consumers.values())
        consumer.cancelJob(jobId, "cancelled by the bot");
    });
    const stats = this.options.stats();
    for (const kind of kinds) {
      const concurrency = stats.models.find((model) => model.id === kind)?.concurrency ?? 1;
      this.concurrency[kind] = concurrency;
      const connection = consumerConnection(settings.redisUrl, logger);
      this.connections.push(connection);
      const consumer = new Worker(
        queueName(kind),
        (job, _token, signal) => this.process(kind, job, signal),
        {
          connection,
          prefix: settings.prefix,
          concurrency,
          lockDuration: settings.lockDurationMs,
          stalledInterval: settings.stalledIntervalMs,
          maxStalledCount: settings.maxAttempts - 1,
        },
      );
      consumer.on("error", (error) => logger.debug({ err: error, kind }, "worker error"));
      consumer.on("stalled", (jobId) =>
        logger.warn({ kind, jobId }, "a job stalled: its worker died; it runs again"),
      );
      this.consumers.set(kind, consumer);
    }
    await this.heartbeat();
    const { clock, placementMs } = this.options;
    this.heartbeats = repeatAfter(
      clock,
      settings.heartbeatMs,
      () => this.heartbeat(),
      (error) => logger.warn({ err: error }, "worker heartbeat failed"),
    );
    this.placement = repeatAfter(
      clock,
      placementMs ?? settings.heartbeatMs,
      () => this.place(),
      (error) => logger.warn({ err: error }, "worker placement check failed"),
    );
    logger.info({ workerId: this.id, kinds }, "worker takes jobs");
  }

  /**
   * Stops taking jobs and lets running ones finish for up to `timeoutMs`. Jobs still running
   * then are left, not failed: the connections close under them, their locks lapse and the
   * other workers' stalled-job check runs them again (as after a crash, but sooner).
   */
  async stop(timeoutMs: number): Promise<void> {
    const { clock, settings, logger } = this.options;
    this.placement?.stop();
    const consumers = [...this.consumers.values()];
    const closed = Promise.allSettled(consumers.map((consumer) => consumer.close()));
    let timer: TimerHandle | undefined;
    const finished = await Promise.race([
      closed.then(() => true),
      new Promise<false>((resolve) => (timer = clock.setTimeout(() => resolve(false), timeoutMs))),
    ]);
    if (timer !== undefined) clock.clearTimeout(timer);
    // Heartbeats went on while jobs finished: the bot knew the worker was still there.
    this.heartbeats?.stop();
    await removeHeartbeat(this.redis, settings.prefix, this.id).catch(() => undefined);
    for (const connection of [this.subscriber, this.redis, ...this.connections])
      connection.disconnect();
    if (!finished) {
      logger.warn("jobs still running are left to the other workers");
      // With the connections gone their failure can't be recorded; the runs just end.
      for (const consumer of consumers) consumer.cancelAllJobs("the worker is shutting down");
      await closed;
    }
  }

  private async process(kind: ModelKind, job: Job, signal?: AbortSignal): Promise<string> {
    const { handles, settings, logger } = this.options;
    const data = job.data as WireJob;
    logger.info({ kind, jobId: job.id, run: job.attemptsStarted }, "job taken");
    let reports: Promise<unknown> = Promise.resolve();
    // One after another, so the bot sees events and text in order, all before the result.
    const report = (progress: WireProgress) => {
      reports = reports
        .then(() => job.updateProgress(progress))
        .catch((error: unknown) => logger.debug({ err: error }, "progress not sent"));
    };
    try {
      const input = requestFromWire(
        kind,
        decode<unknown>(data.payload),
        data.stream ? (text) => report({ text }) : undefined,
      );
      const output = await handles[kind]!.run(input, {
        signal: signal ?? new AbortController().signal,
        onEvent: (event) => report({ event }),
        owner: data.owner,
        workClass: data.workClass,
      });
      await reports;
      return encode(output, settings.maxPayloadBytes);
    } catch (error) {
      await reports;
      // Failures of the job itself are final: only a dead worker's job runs again.
      throw new UnrecoverableError(encodeError(error));
    }
  }

  private snapshot(): WorkerHeartbeat {
    const stats = this.options.stats();
    return {
      id: this.id,
      host: os.hostname(),
      pid: process.pid,
      kinds: [...this.options.kinds],
      concurrency: { ...this.concurrency },
      startedAt: this.startedAt,
      seenAt: Date.now(),
      budgetBytes: stats.budgetBytes,
      inUseBytes: stats.inUseBytes,
      models: stats.models
        .filter((model) => (this.options.kinds as readonly string[]).includes(model.id))
        .map((model) => ({
          id: model.id,
          state: model.state,
          running: model.running,
          queued: model.queued,
          concurrency: model.concurrency,
          bytes: model.chargedBytes,
        })),
    };
  }

  private async heartbeat(): Promise<void> {
    const { settings, logger } = this.options;
    try {
      await writeHeartbeat(this.redis, settings.prefix, this.snapshot(), settings.heartbeatMs * 3);
      if (this.heartbeatFailing) logger.info("Redis is reachable again");
      this.heartbeatFailing = false;
    } catch (error) {
      if (!this.heartbeatFailing)
        logger.warn({ err: error }, "heartbeat not written: Redis is unreachable");
      this.heartbeatFailing = true;
    }
  }

  /** Pulls each kind's queue or pauses it, see placement.ts. */
  private async place(): Promise<void> {
    const { settings, logger } = this.options;
    try {
      const others = (await readHeartbeats(this.redis, settings.prefix)).filter(
        (beat) => beat.id !== this.id,
      );
      const local = this.options.stats().models;
      for (const [kind, consumer] of this.consumers) {
        const keys = waitingKeys(settings.prefix, kind);
        const [listed, prioritized] = await Promise.all([
          this.redis.llen(keys.list),
          this.redis.zcard(keys.prioritized),
        ]);
        const waiting = listed + prioritized;
        const pull = shouldPull({
          kind,
          localState: local.find((model) => model.id === kind)?.state ?? "unloaded",
          others,
          waiting,
        });
        if (pull && this.paused.has(kind)) {
          this.paused.delete(kind);
          await consumer.resume();
        } else if (!pull && !this.paused.has(kind)) {
          this.paused.add(kind);
          await consumer.pause(true);
        }
      }
    } catch (error) {
      logger.debug({ err: error }, "placement skipped: Redis is unreachable");
    }
  }
}
