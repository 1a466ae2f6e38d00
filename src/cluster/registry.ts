/**
 * Worker heartbeats in Redis: each worker writes what it serves and how busy it is under
 * its own key with a time to live of three heartbeats, so a worker that died disappears
 * by itself. The bot reads them to tell "no worker for this" from "busy", to know how many
 * jobs of each kind to hand BullMQ (dispatch.ts), and for /status; workers read them to
 * place jobs (placement.ts).
 */
import type { Redis } from "ioredis";
import type { ModelKind } from "./kinds.js";

export interface WorkerModel {
  id: string;
  state: string;
  running: number;
  queued: number;
  concurrency: number;
  bytes: number;
}

export interface WorkerHeartbeat {
  id: string;
  host: string;
  pid: number;
  kinds: ModelKind[];
  /**
   * Jobs of each kind it runs at once (its consumers' concurrency). Absent from the
   * heartbeats of workers older than this field: such a worker counts as one per kind.
   */
  concurrency?: Partial<Record<ModelKind, number>>;
  startedAt: number;
  seenAt: number;
  budgetBytes: number;
  inUseBytes: number;
  models: WorkerModel[];
}

const keyOf = (prefix: string, id: string) => `${prefix}:worker:${id}`;
/** The ids of workers seen; an id whose heartbeat key expired is dropped when read. */
const setOf = (prefix: string) => `${prefix}:workers`;

/** Writes one heartbeat, valid for `ttlMs`. */
export async function writeHeartbeat(
  redis: Redis,
  prefix: string,
  beat: WorkerHeartbeat,
  ttlMs: number,
): Promise<void> {
  await redis
    .multi()
    .set(keyOf(prefix, beat.id), JSON.stringify(beat), "PX", ttlMs)
    .sadd(setOf(prefix), beat.id)
    .exec();
}

export async function removeHeartbeat(redis: Redis, prefix: string, id: string): Promise<void> {
  await redis.multi().del(keyOf(prefix, id)).srem(setOf(prefix), id).exec();
}

/** Every live worker, by id. */
export async function readHeartbeats(redis: Redis, prefix: string): Promise<WorkerHeartbeat[]> {
  const ids = (await redis.smembers(setOf(prefix))).sort();
  if (ids.length === 0) return [];
  const values = await redis.mget(...ids.map((id) => keyOf(prefix, id)));
  const gone = ids.filter((_, index) => values[index] === null);
  if (gone.length > 0) await redis.srem(setOf(prefix), ...gone);
  return values
    .filter((value): value is string => value !== null)
    .map((value) => JSON.parse(value) as WorkerHeartbeat);
}

/** A model that answers at once: loaded (or loading) with a free slot. */
export function hasWarmSlot(beat: WorkerHeartbeat, kind: ModelKind): boolean {
  const model = beat.models.find((entry) => entry.id === kind);
  return (
    model !== undefined &&
    ["loading", "ready", "running"].includes(model.state) &&
    model.running + model.queued < model.concurrency
  );
}

/** Jobs of `kind` the live workers can run at once; 0 when none serves it. */
export function capacityOf(workers: readonly WorkerHeartbeat[], kind: ModelKind): number {
  return workers
    .filter((worker) => worker.kinds.includes(kind))
    .reduce((total, worker) => total + (worker.concurrency?.[kind] ?? 1), 0);
}
