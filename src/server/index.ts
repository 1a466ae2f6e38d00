/**
 * HTTP servers: the ops server (health and Prometheus metrics) and the webhook server,
 * plus what they need from the app (readiness inputs, webhook registration).
 *
 * @example
 * const ops = await startOpsServer({ host, port, registry: metrics.registry, logger,
 *   readiness: botReadiness({ isDatabaseHealthy: () => store.isHealthy(), telegram }) });
 */
export type { CheckResult, ReadinessProbe } from "./health.js";
export { healthRoutes } from "./health.js";
export type { RunningServer } from "./listen.js";
export { opsApp, startOpsServer, type OpsServerOptions } from "./ops.js";
export { botReadiness, TelegramReachability } from "./readiness.js";
export { RecentIds } from "./recent-ids.js";
export {
  SECRET_HEADER,
  startWebhookServer,
  webhookPathOf,
  type WebhookServer,
  type WebhookServerOptions,
} from "./webhook.js";
export {
  registerWebhook,
  unregisterWebhook,
  type UpdateType,
  type WebhookApi,
  type WebhookRegistration,
} from "./webhook-registration.js";
