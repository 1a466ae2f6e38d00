/**
 * Feeds {@link BotMetrics} from the model manager: counters from its lifecycle events,
 * gauges from its stats, read at each scrape so they are never stale.
 */
import type { ManagerStats, ModelEventListener } from "../models/manager/index.js";
import { isCancellation } from "../shared/errors.js";
import type { BotMetrics, JobOutcome } from "./bot-metrics.js";

/** The part of the model manager the metrics read; `ModelManager` satisfies it. */
export interface ObservableManager {
  on(listener: ModelEventListener): () => void;
  stats(): ManagerStats;
}

/**
 * Subscribes `metrics` to `manager`'s events and points the memory and queue gauges at
 * its stats. Returns a function that detaches both again.
 */
export function bindManagerMetrics(manager: ObservableManager, metrics: BotMetrics): () => void {
  // Events name the model, not its task; stats know both. Refreshed when a new id shows up.
  const tasks = new Map<string, string>();
  const taskOf = (modelId: string): string => {
    if (!tasks.has(modelId)) {
      for (const model of manager.stats().models) tasks.set(model.id, model.task);
    }
    return tasks.get(modelId) ?? "unknown";
  };

  const unsubscribe = manager.on((event) => {
    switch (event.type) {
      case "loaded":
        metrics.observeModelLoad(event.modelId, event.variantId, "ok", event.durationMs / 1000);
        break;
      case "load_failed":
        metrics.observeModelLoad(
          event.modelId,
          event.variantId,
          event.outOfMemory ? "out_of_memory" : "failed",
          event.durationMs / 1000,
        );
        break;
      case "unloaded":
        metrics.observeModelUnload(event.modelId, event.reason);
        break;
      case "job_done": {
        const task = taskOf(event.modelId);
        const outcome: JobOutcome = event.ok
          ? "ok"
          : isCancellation(event.error)
            ? "cancelled"
            : "error";
        metrics.observeJobWait(task, event.modelId, event.workClass, event.waitMs / 1000);
        metrics.observeJob(task, event.modelId, outcome, event.runMs / 1000);
        break;
      }
      // "loading" and "evicted" are covered by "loaded"/"load_failed" and "unloaded".
    }
  });

  const detachGauges = metrics.setGaugeSource(() => {
    const stats = manager.stats();
    return {
      budgetBytes: stats.budgetBytes,
      inUseBytes: stats.inUseBytes,
      peakBytes: stats.peakBytes,
      models: stats.models.map((model) => ({
        model: model.id,
        queued: model.queued,
        running: model.running,
        loaded: model.state === "ready" || model.state === "running",
        chargedBytes: model.chargedBytes,
        ...(model.device === undefined ? {} : { device: model.device }),
        ...(model.line === undefined
          ? {}
          : {
              waitingByClass: {
                interactive: model.line.classes.interactive.waiting,
                batch: model.line.classes.batch.waiting,
              },
              topOwners: model.line.topOwners,
            }),
      })),
    };
  });

  return () => {
    unsubscribe();
    detachGauges();
  };
}
