/**
 * Redis connections for the cluster. Producers fail fast while Redis is away (no offline
 * queue), so a user hears about it at once; consumers and event readers wait and
 * reconnect (BullMQ needs `maxRetriesPerRequest: null` for their blocking calls). Both
 * reconnect forever with a capped backoff, so the process recovers by itself.
 */
import { Redis } from "ioredis";

const retryStrategy = (attempt: number) => Math.min(attempt * 100, 2_000);

export function producerConnection(url: string): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy,
    lazyConnect: false,
  });
}

export function consumerConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, retryStrategy });
}

/** Resolves once `redis` is connected; rejects after `timeoutMs`. */
export function whenReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === "ready") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off("ready", onReady);
      reject(new Error(`Redis did not answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once("ready", onReady);
  });
}
