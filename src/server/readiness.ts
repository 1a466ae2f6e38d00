/**
 * Readiness inputs. Telegram reachability is cached from the bot's own API traffic
 * (getMe at start, getUpdates while polling, sends while answering) rather than probed,
 * so a health check never costs a Bot API call.
 */
import type { Transformer } from "grammy";
import type { CheckResult, ReadinessProbe } from "./health.js";

/**
 * Remembers how the latest Bot API call went. Reachable once any call got an answer;
 * unreachable after a call got no answer (network error), a 5xx, a 401 (token revoked)
 * or a 409 (another instance polls, or a webhook is set while polling).
 */
export class TelegramReachability {
  private last: CheckResult = { ok: false, reason: "no Bot API call has completed yet" };

  /** Install with `bot.api.config.use(reachability.transformer)`. */
  readonly transformer: Transformer = async (prev, method, payload, signal) => {
    try {
      const response = await prev(method, payload, signal);
      if (response.ok) {
        this.last = { ok: true };
      } else if (response.error_code >= 500 || [401, 409].includes(response.error_code)) {
        this.last = {
          ok: false,
          reason: `${method} failed with ${response.error_code}: ${response.description}`,
        };
      } else {
        // 400/403/429 and the like: Telegram answered; the request, not the link, was bad.
        this.last = { ok: true };
      }
      return response;
    } catch (error) {
      if (!signal?.aborted) {
        const message = error instanceof Error ? error.message : String(error);
        this.last = { ok: false, reason: `${method} got no answer: ${message}` };
      }
      throw error;
    }
  };

  check(): CheckResult {
    return { ...this.last };
  }
}

/**
 * The bot's readiness: the database answers and Telegram was reachable last time (and, in a
 * cluster, Redis answers: `more` adds such checks).
 */
export function botReadiness(deps: {
  isDatabaseHealthy: () => boolean;
  telegram: Pick<TelegramReachability, "check">;
  more?: Record<string, () => CheckResult>;
}): ReadinessProbe {
  return () => ({
    database: deps.isDatabaseHealthy()
      ? { ok: true }
      : { ok: false, reason: "the database is closed or does not answer" },
    telegram: deps.telegram.check(),
    ...Object.fromEntries(Object.entries(deps.more ?? {}).map(([name, check]) => [name, check()])),
  });
}
