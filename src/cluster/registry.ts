/**
 * Worker heartbeats in Redis: each worker writes what it serves and how busy it is under
 * its own key with a time to live of three heartbeats, so a worker that died disappears
 * by itself. The bot reads them to tell "no worker for this" from "busy", and for /status;
 * workers read them to place jobs (placement.ts).
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
  startedAt: number;
  seenAt: number;
  budgetBytes: number;
  inUseBytes: number;
  models: WorkerModel[];
}

const keyOf = (prefix: string, id: string) => `${prefix}:worker:${id}`;

/** Writes one heartbeat, valid for `ttlMs`. */
export async function writeHeartbeat(
  redis: Redis,
  prefix: string,
  beat: WorkerHeartbeat,
  ttlMs: number,
): Promise<void> {
  await redis.set(keyOf(prefix, beat.id), JSON.stringify(beat), "PX", ttlMs);
}

export async function removeHeartbeat(redis: Redis, prefix: string, id: string): Promise<void> {
  await redis.del(keyOf(prefix, id));
}

/** Every live worker, by id. */
export async function readHeartbeats(redis: Redis, prefix: string): Promise<WorkerHeartbeat[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", keyOf(prefix, "*"), "COUNT", 100);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0");
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  return values
    .filter((value): value is string => value !== null)
    .map((value) => JSON.parse(value) as WorkerHeartbeat)
    .sort((a, b) => a.id.localeCompare(b.id));
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
