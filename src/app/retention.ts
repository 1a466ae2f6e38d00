/**
 * Runs the pruner at start and then every PRUNE_INTERVAL, on the injected clock, and logs
 * what each run deleted. A run that fails is logged and the next one still comes.
 */
import type { Logger } from "pino";
import type { RetentionConfig } from "../config/index.js";
import type { DataPruner, PruneReport, RetentionPolicy } from "../memory/index.js";
import type { Clock, TimerHandle } from "../shared/clock.js";

const DAY_MS = 24 * 3_600_000;

/** The config's days and MiB as the pruner's policy. */
export function retentionPolicy(config: RetentionConfig): RetentionPolicy {
  return {
    maxAgeMs: {
      results: config.resultsMaxAgeDays * DAY_MS,
      history: config.historyMaxAgeDays * DAY_MS,
      usage: config.usageMaxAgeDays * DAY_MS,
    },
    maxBytes: config.maxBytes,
  };
}

export interface PruningHandle {
  /** The run in progress, if any (tests await it; shutdown waits for it). */
  readonly running: Promise<PruneReport | undefined> | undefined;
  /** No further runs; resolves when the one in progress has finished. */
  stop(): Promise<void>;
}

export function startPruning(deps: {
  pruner: Pick<DataPruner, "prune" | "active">;
  clock: Clock;
  intervalMs: number;
  logger: Logger;
}): PruningHandle {
  const { pruner, clock, intervalMs, logger } = deps;
  let timer: TimerHandle | undefined;
  let running: Promise<PruneReport | undefined> | undefined;
  let stopped = false;

  const runOnce = async (): Promise<PruneReport | undefined> => {
    const started = clock.now();
    try {
      const report = await pruner.prune();
      const { deleted } = report;
      const rows = deleted.results + deleted.history + deleted.usage;
      const fields = {
        deleted,
        heads: report.heads,
        usedBytesBefore: report.usedBytesBefore,
        usedBytesAfter: report.usedBytesAfter,
        fileBytesFreed: report.fileBytesFreed,
        ms: clock.now() - started,
      };
      if (report.overCap)
        logger.warn(fields, "database is over DATA_MAX_MB with nothing older than a day left");
      else if (rows > 0) logger.info(fields, "pruned old data");
      else logger.debug(fields, "nothing to prune");
      return report;
    } catch (error) {
      logger.error({ err: error }, "pruning old data failed");
      return undefined;
    }
  };

  const tick = () => {
    running = runOnce().finally(() => {
      running = undefined;
      if (!stopped) timer = clock.setTimeout(tick, intervalMs);
    });
  };

  if (pruner.active) tick();
  else logger.info("data is kept forever (every *_MAX_AGE_DAYS and DATA_MAX_MB are 0)");

  return {
    get running() {
      return running;
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      await running;
    },
  };
}
