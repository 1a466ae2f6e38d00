/**
 * Adapters between grammY and {@link BotMetrics}, typed against grammY's types only:
 * a middleware that counts updates and an API transformer that counts failed calls.
 */
import type { Transformer } from "grammy";
import type { Update } from "grammy/types";
import type { BotMetrics } from "./bot-metrics.js";

/** The kind of an update: its one field besides `update_id` ("message", "callback_query", ...). */
export function updateTypeOf(update: Update): string {
  return Object.keys(update).find((key) => key !== "update_id") ?? "unknown";
}

/**
 * Middleware counting every update by type; install it first (`bot.use(...)`) so updates
 * that later middleware drops are counted too.
 */
export function countUpdates(
  metrics: BotMetrics,
): (ctx: { update: Update }, next: () => Promise<void>) => Promise<void> {
  return (ctx, next) => {
    metrics.observeUpdate(updateTypeOf(ctx.update));
    return next();
  };
}

/**
 * API transformer counting failed Bot API calls by method and Telegram's error code, or
 * "network" when no answer came. Calls aborted on purpose (stopping the poller) don't
 * count. Install it before auto-retry (`bot.api.config.use(countApiErrors(m))` first):
 * grammY runs the last installed transformer outermost, so each retried attempt counts.
 */
export function countApiErrors(metrics: Pick<BotMetrics, "observeTelegramApiError">): Transformer {
  return async (prev, method, payload, signal) => {
    try {
      const response = await prev(method, payload, signal);
      if (!response.ok) metrics.observeTelegramApiError(method, response.error_code);
      return response;
    } catch (error) {
      if (!signal?.aborted) metrics.observeTelegramApiError(method, "network");
      throw error;
    }
  };
}
