/**
 * The cluster roles in the composition root: the bot's model handles backed by the queues
 * (ROLE=bot), and the manager-shaped numbers /status shows for the whole cluster: every
 * worker's models listed as `model@worker`, budgets and memory summed.
 */
import type { Logger } from "pino";
import type { Config } from "../config/index.js";
import { RemoteModels, type ModelKind, type QueueCounts } from "../cluster/index.js";
import type { ModelTask } from "../models/contract.js";
import type { LineSize } from "../models/scheduler/index.js";
import { kindHandles, kindRow, voicesOf } from "../models/kinds/index.js";
import type { ManagerStats, ModelStats } from "../models/manager/index.js";
import type { ClusterStatus } from "../services/status/index.js";
import type { Clock } from "../shared/clock.js";
import { lineSize, type ServiceHandles } from "./models.js";

/** What the services need of the models, in either role. */
export type ModelHandles = ServiceHandles & { device: string };

export function connectRemoteModels(
  config: Config,
  deps: { logger: Logger; clock: Clock },
): { remote: RemoteModels; handles: ModelHandles } {
  const remote = new RemoteModels({
    settings: { ...config.cluster, redisUrl: config.cluster.redisUrl! },
    lineSize: clusterLineSize(config),
    maxPerOwner: config.models.ownerMaxWaiting,
    batchAgingMs: config.models.batchAgingMs,
    logger: deps.logger.child({ module: "cluster" }),
    clock: deps.clock,
  });
  const handles = kindHandles((row) => remote.handle(row.id));
  return {
    remote,
    handles: { ...handles, voices: voicesOf(handles), device: "cluster (workers over Redis)" },
  };
}

/**
 * How much may wait for each kind in the bot's cluster lines: the manager's sizes, with the
 * audio kinds' bytes counted as the encoded payloads of the jobs waiting.
 */
export function clusterLineSize(config: Config): (kind: ModelKind) => LineSize {
  return (kind) => {
    const { inputBytes: _measuredByPayload, ...size } = lineSize(config, kind);
    return size;
  };
}

/** The cluster as one manager: each worker's models, budgets and memory summed. */
export function clusterStats(remote: RemoteModels): ManagerStats {
  const workers = remote.liveWorkers();
  const queued = new Map<string, QueueCounts>(remote.queueSnapshot().map((q) => [q.kind, q]));
  const models: ModelStats[] = workers.flatMap((worker) =>
    worker.models.map((model) => ({
      id: `${model.id}@${worker.id}`,
      task: taskOf(model.id),
      state: model.state as ModelStats["state"],
      pinned: false,
      waitingForMemory: false,
      fallbackActive: false,
      estimatedBytes: model.bytes,
      chargedBytes: model.bytes,
      loads: 0,
      jobsOk: 0,
      jobsFailed: 0,
      unavailable: [],
      running: model.running,
      concurrency: model.concurrency,
      queued: model.queued + (queued.get(model.id)?.waiting ?? 0),
    })),
  );
  const sum = (pick: (worker: (typeof workers)[number]) => number) =>
    workers.reduce((total, worker) => total + pick(worker), 0);
  return {
    budgetBytes: sum((worker) => worker.budgetBytes),
    inUseBytes: sum((worker) => worker.inUseBytes),
    reservedBytes: 0,
    peakBytes: sum((worker) => worker.inUseBytes),
    pendingLoads: [],
    models,
  };
}

/** A worker's model's task, by its kind (a name no kind has stands for itself). */
function taskOf(kind: string): ModelTask {
  return kindRow(kind)?.task ?? (kind as ModelTask);
}

/** The workers and queues section of /status. */
export function clusterStatus(remote: RemoteModels, now: number): ClusterStatus {
  return {
    workers: remote.liveWorkers().map((worker) => ({
      id: worker.id,
      host: worker.host,
      kinds: worker.kinds,
      inUseBytes: worker.inUseBytes,
      budgetBytes: worker.budgetBytes,
      running: worker.models.reduce((total, model) => total + model.running, 0),
      loaded: worker.models.filter((model) => model.state !== "unloaded").map((model) => model.id),
      seenMsAgo: Math.max(0, now - worker.seenAt),
    })),
    queues: remote.queueSnapshot().map((queue) => ({ ...queue })),
  };
}
