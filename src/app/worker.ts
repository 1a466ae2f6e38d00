/**
 * The composition root of a model worker (ROLE=worker): the model manager with its adapters
 * and a cluster consumer feeding it jobs from Redis. No Telegram, no SQLite. The ops server
 * serves /metrics (the manager's) and /health/ready (Redis answers).
 */
import os from "node:os";
import type { Logger } from "pino";
import { ClusterWorker, resolveKinds } from "../cluster/index.js";
import type { Config } from "../config/index.js";
import { bindManagerMetrics, createBotMetrics } from "../metrics/index.js";
import { startOpsServer } from "../server/index.js";
import { systemClock, type Clock } from "../shared/clock.js";
import type { App } from "./index.js";
import { buildModels } from "./models.js";

/** How long start-up waits for Redis. */
const REDIS_START_TIMEOUT_MS = 30_000;

export function createWorkerApp(config: Config, logger: Logger, clock: Clock = systemClock): App {
  const models = buildModels(config, { logger, clock });
  const kinds = resolveKinds(config.cluster.workerModels);
  const worker = new ClusterWorker({
    settings: { ...config.cluster, redisUrl: config.cluster.redisUrl! },
    id: config.cluster.workerId ?? `${os.hostname()}-${process.pid}`,
    kinds,
    // The model set holds a handle per kind, under the kind's name.
    handles: models,
    stats: () => models.manager.stats(),
    logger: logger.child({ module: "cluster" }),
    clock,
  });
  const metrics = createBotMetrics();
  const unbindMetrics = bindManagerMetrics(models.manager, metrics);
  let ops: { close(): Promise<void> } | undefined;
  let stopping: Promise<void> | undefined;

  return {
    async start() {
      if (config.metrics.port > 0) {
        ops = await startOpsServer({
          host: config.metrics.host,
          port: config.metrics.port,
          registry: metrics.registry,
          logger,
          readiness: () => ({
            redis: worker.isReachable()
              ? { ok: true }
              : { ok: false, reason: "Redis does not answer: no jobs can be taken" },
          }),
        });
      }
      await worker.start(REDIS_START_TIMEOUT_MS);
      const preload = config.models.preload.filter((id) => (kinds as string[]).includes(id));
      if (preload.length > 0) {
        models.manager
          .preload(preload)
          .catch((error: unknown) => logger.error({ err: error }, "preloading models failed"));
      }
    },

    stop() {
      stopping ??= (async () => {
        logger.info("shutting down: no new jobs");
        await worker.stop(config.shutdownTimeoutMs);
        await models.manager.shutdown(0);
        unbindMetrics();
        await ops?.close();
        logger.info("shut down cleanly");
      })();
      return stopping;
    },
  };
}
