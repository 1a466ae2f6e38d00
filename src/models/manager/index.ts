/**
 * The model manager: keeps managed models under a memory budget with lazy single-flight
 * loads, per-model fair lines, turns on the thread in-process models share, idle unload,
 * eviction and fallbacks.
 *
 * @example
 * const manager = new ModelManager({ budgetBytes: defaultBudgetBytes("cuda", os.totalmem()), clock: systemClock, logger });
 * const asr = manager.register(whisperAdapter, { idleUnloadMs: 10 * 60_000 });
 * const text = await asr.run(audio, { signal, onEvent: (e) => progress(e) });
 */
export { ModelManager } from "./manager.js";
export { routeBatchPieces } from "./batch-route.js";
export { InMemoryFootprintStore } from "./footprints.js";
export type { FootprintStore } from "./footprints.js";
export {
  CPU_BUDGET_SHARE,
  DEFAULT_BATCH_AGING_MS,
  DEFAULT_CONCURRENCY,
  DEFAULT_GPU_BUDGET_BYTES,
  DEFAULT_IDLE_UNLOAD_MS,
  DEFAULT_MAX_PER_OWNER,
  DEFAULT_MAX_QUEUE,
  DEFAULT_RETRY_FAILED_AFTER_MS,
  MAX_QUEUE,
  QUEUE_MEMORY_SHARE,
  defaultBudgetBytes,
  defaultMaxQueue,
  isOutOfMemoryError,
} from "./defaults.js";
export { DEFAULT_REUSE_HORIZON_MS } from "./eviction.js";
export type {
  ManagerStats,
  ModelEvent,
  ModelEventListener,
  ModelManagerOptions,
  ModelState,
  ModelStats,
  UnavailableVariant,
  RegisterOptions,
  UnloadOutcome,
  UnloadReason,
} from "./types.js";
