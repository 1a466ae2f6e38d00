/**
 * Redis connections for the cluster. Producers fail fast while Redis is away (no offline
 * queue), so a user hears about it at once; consumers and event readers wait and
 * reconnect (BullMQ needs `maxRetriesPerRequest: null` for their blocking calls). Both
 * reconnect forever with a capped backoff, so the process recovers by itself.
 */
import { Redis } from "ioredis";
import type { Logger } from "pino";

const retryStrategy = (attempt: number) => Math.min(attempt * 100, 2_000);

/** Connection errors surface where commands fail; the event itself is only worth a debug line. */
function quiet(redis: Redis, logger: Logger): Redis {
  redis.on("error", (error: Error) => logger.debug({ err: error }, "redis connection error"));
  return redis;
}

export function producerConnection(url: string, logger: Logger): Redis {
  return quiet(
    new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy }),
    logger,
  );
}

export function consumerConnection(url: string, logger: Logger): Redis {
  return quiet(new Redis(url, { maxRetriesPerRequest: null, retryStrategy }), logger);
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
