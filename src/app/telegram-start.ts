/**
 * Start-up while Telegram can't be reached: the bot keeps trying (capped exponential
 * backoff, jitter) instead of exiting, so a boot-time network outage doesn't exhaust a
 * supervisor's restart limit, and /health/ready says what it waits for meanwhile. A token
 * Telegram refuses still ends the start at once: no retry fixes it.
 */
import { Api, GrammyError, HttpError, type Transformer } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import type { Logger } from "pino";
import type { CheckResult } from "../server/index.js";
import { retryWithBackoff, type BackoffPolicy, type Verdict } from "../shared/backoff.js";
import type { Clock } from "../shared/clock.js";

/** Exit status for a start a restart can't fix (sysexits' EX_CONFIG): supervisors stop there. */
export const EXIT_CONFIG = 78;

/** Telegram answered, and refused: the token is wrong or revoked, or the API root is not a Bot API. */
export class TelegramRefusedError extends Error {
  constructor(method: string, code: number, description: string, apiRoot: string) {
    super(
      `Telegram refused ${method} with ${code} (${description}): check BOT_TOKEN (a revoked or mistyped token) and TELEGRAM_API_ROOT (${apiRoot})`,
    );
    this.name = "TelegramRefusedError";
  }
}

/**
 * Worth another try: no answer (refused connection, DNS, timeout, a proxy's HTML error page),
 * a 5xx or a 429 (after its retry_after). Anything else Telegram answered is final: 401 (a
 * revoked or wrong token), 404 (a malformed one), 400. A host that never answers (a typo in
 * TELEGRAM_API_ROOT) can't be told from an outage, so it is retried like one.
 */
export function classifyStartError(error: unknown): Verdict {
  if (error instanceof HttpError) return { retry: true };
  if (error instanceof GrammyError) {
    if (error.error_code === 429) {
      const after = error.parameters.retry_after;
      return { retry: true, ...(after === undefined ? {} : { minDelayMs: after * 1000 }) };
    }
    return { retry: error.error_code >= 500 };
  }
  return { retry: false };
}

/** What start-up is doing, for /health/ready's `startup` check. */
export class StartupState {
  private state: CheckResult = { ok: false, reason: "starting" };

  waiting(reason: string): void {
    this.state = { ok: false, reason };
  }

  done(): void {
    this.state = { ok: true };
  }

  check(): CheckResult {
    return { ...this.state };
  }
}

export interface TelegramStartDeps {
  token: string;
  apiRoot: string;
  /** One try's limit (TELEGRAM_TIMEOUT). */
  timeoutMs: number;
  policy: BackoffPolicy;
  clock: Clock;
  logger: Logger;
  state: StartupState;
  /** Installed on the start-up client (reachability, error counts). */
  transformers?: Transformer[];
  random?: () => number;
}

/**
 * A Bot API client for start-up only, without auto-retry: auto-retry waits out an
 * unreachable server on its own schedule, silently and without a limit, where here each
 * try is logged, bounded by TELEGRAM_TIMEOUT and retried by {@link retryWithBackoff}.
 */
export function startupApi(
  deps: Pick<TelegramStartDeps, "token" | "apiRoot" | "timeoutMs" | "transformers">,
): Api {
  const api = new Api(deps.token, {
    apiRoot: deps.apiRoot,
    timeoutSeconds: Math.max(1, Math.ceil(deps.timeoutMs / 1000)),
  });
  api.config.use(...(deps.transformers ?? []));
  return api;
}

/**
 * Runs one start-up step that needs Telegram (`what` names it in logs and on /health/ready)
 * until it succeeds. Rejects with {@link TelegramRefusedError} on 401/404 and other final
 * answers, with RetriesExhaustedError when TELEGRAM_START_RETRY_MAX ran out, and with
 * the signal's reason when it aborts (SIGTERM).
 */
export async function untilTelegramAnswers<T>(
  what: string,
  step: (signal: AbortSignal | undefined) => Promise<T>,
  deps: TelegramStartDeps,
  signal?: AbortSignal,
): Promise<T> {
  const { logger, state, apiRoot } = deps;
  state.waiting(`waiting for Telegram (${what})`);
  try {
    return await retryWithBackoff(step, {
      policy: deps.policy,
      clock: deps.clock,
      classify: classifyStartError,
      ...(signal ? { signal } : {}),
      ...(deps.random ? { random: deps.random } : {}),
      onRetry: ({ attempt, error, delayMs }) => {
        const reason = describeFailure(error, deps.token);
        state.waiting(
          `waiting for Telegram (${what}): try ${attempt} failed (${reason}); next in ${Math.ceil(delayMs / 1000)} s`,
        );
        logger.warn(
          { step: what, attempt, nextDelayMs: delayMs, apiRoot, reason },
          "Telegram unreachable at start; retrying",
        );
      },
    });
  } catch (error) {
    if (error instanceof GrammyError && !classifyStartError(error).retry) {
      throw new TelegramRefusedError(error.method, error.error_code, error.description, apiRoot);
    }
    throw error;
  }
}

/** grammY types its signals with the abort-controller package's own AbortSignal. */
type GrammySignal = Parameters<Api["getMe"]>[0];

/** getMe until Telegram answers: who the bot is. */
export function identify(
  api: Api,
  deps: TelegramStartDeps,
  signal?: AbortSignal,
): Promise<UserFromGetMe> {
  return untilTelegramAnswers(
    "getMe",
    (attempt) => api.getMe(attempt as GrammySignal),
    deps,
    signal,
  );
}

/**
 * Why a try failed, in one line: grammY's HttpError says only "Network request failed",
 * the reason (ECONNREFUSED, a timeout) is in its cause, whose text holds the request URL
 * and so the token: that is cut out here, before the log's own scrubbing.
 */
export function describeFailure(error: unknown, token: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof HttpError ? error.error : undefined;
  const detail = cause instanceof Error ? `: ${cause.message}` : "";
  return `${message}${detail}`.split(token).join("[redacted]");
}
