/**
 * Prometheus metrics for the bot: the registry and recording methods, and adapters that
 * feed them from the model manager and grammY.
 *
 * @example
 * const metrics = createBotMetrics();
 * bindManagerMetrics(manager, metrics);
 * bot.use(countUpdates(metrics));
 * bot.api.config.use(countApiErrors(metrics));
 */
export {
  createBotMetrics,
  METRIC_NAMES,
  type BotMetrics,
  type BotMetricsOptions,
  type GaugeSample,
  type JobOutcome,
  type ModelGaugeSample,
} from "./bot-metrics.js";
export { bindManagerMetrics, type ObservableManager } from "./manager.js";
export { countApiErrors, countUpdates, updateTypeOf } from "./telegram.js";
export { API_METRIC_NAMES, createApiMetrics, type ApiMetrics } from "./api-metrics.js";
export { bindDatabaseMetrics, DATABASE_METRIC_NAMES } from "./database.js";
