/**
 * Webhook mode: Telegram POSTs each update to WEBHOOK_URL. This server checks the secret
 * Telegram echoes back, answers 200 at once and handles the update in the background.
 * Telegram re-sends an update whose answer takes more than about 10 s, so awaiting the
 * handler (as grammY's webhookCallback does) would make slow jobs run twice or more;
 * re-delivered updates are also dropped by update_id.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Update } from "grammy/types";
import { Hono } from "hono";
import type { Logger } from "pino";
import { systemClock, type Clock, type TimerHandle } from "../shared/clock.js";
import { bodySizeLimit } from "./body-limit.js";
import { healthRoutes, type ReadinessProbe } from "./health.js";
import { listen, type RunningServer } from "./listen.js";
import { RecentIds } from "./recent-ids.js";

export const SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token";

export interface WebhookServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** The path Telegram posts to: the path of WEBHOOK_URL (see {@link webhookPathOf}). */
  path: string;
  /** WEBHOOK_SECRET: Telegram sends it in the X-Telegram-Bot-Api-Secret-Token header. */
  secret: string;
  /** Runs one update, e.g. `(update) => bot.handleUpdate(update)`. */
  handleUpdate: (update: Update) => Promise<void>;
  logger: Logger;
  /** Served at /health/ready; without it, ready whenever the server answers. */
  readiness?: ReadinessProbe;
  /** How many recent update ids are remembered to drop re-deliveries (default 10 000). */
  rememberUpdates?: number;
  /** Updates handled at once before new ones get 503 and are re-sent later (default 1000). */
  maxInFlight?: number;
  /** Largest request body accepted; updates are small JSON (default 1 MiB). */
  maxBodyBytes?: number;
  clock?: Clock;
}

export interface WebhookServer extends RunningServer {
  /** Updates accepted and still being handled. */
  readonly inFlight: number;
  /**
   * Refuses new updates from now on (503, so Telegram re-sends them to the next process)
   * and waits for those in flight. Resolves true when all finished, false on timeout.
   */
  drain(timeoutMs: number): Promise<boolean>;
}

/** The path part of WEBHOOK_URL, where the server listens. */
export function webhookPathOf(url: string): string {
  return new URL(url).pathname;
}

/** Starts the webhook server; resolves once it listens. */
export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const { logger, handleUpdate } = options;
  const clock = options.clock ?? systemClock;
  const seen = new RecentIds(options.rememberUpdates ?? 10_000);
  const maxInFlight = options.maxInFlight ?? 1000;
  const expectedSecret = digest(options.secret);
  const inFlight = new Set<Promise<void>>();
  let draining = false;

  const accept = (update: Update) => {
    // setImmediate: the 200 goes out before the handler's synchronous start runs.
    const job = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => handleUpdate(update))
      .catch((error: unknown) => {
        logger.error({ err: error, updateId: update.update_id }, "webhook update failed");
      })
      .finally(() => inFlight.delete(job));
    inFlight.add(job);
  };

  const app = new Hono();
  app.route("/", healthRoutes(options.readiness ?? (() => ({})), logger));
  app.post(
    options.path,
    (c, next) => {
      // Checked before the body is read: nothing from an unauthenticated caller is parsed.
      const given = c.req.header(SECRET_HEADER);
      if (given === undefined || !timingSafeEqual(digest(given), expectedSecret)) {
        logger.warn({ ip: c.req.header("x-forwarded-for") }, "webhook call with a wrong secret");
        return c.text("unauthorized\n", 401);
      }
      return next();
    },
    bodySizeLimit(options.maxBodyBytes ?? 1024 * 1024, (c) => c.text("payload too large\n", 413)),
    async (c) => {
      const update = await c.req.json().catch(() => undefined);
      if (!isUpdate(update)) return c.text("not a Telegram update\n", 400);
      if (seen.has(update.update_id)) {
        // Already accepted: a 200 stops Telegram re-sending it, even while draining.
        logger.debug({ updateId: update.update_id }, "dropping a re-delivered update");
        return c.body(null, 200);
      }
      if (draining) return c.text("shutting down\n", 503, { "Retry-After": "5" });
      if (inFlight.size >= maxInFlight) {
        logger.warn({ inFlight: inFlight.size }, "webhook busy: asking Telegram to re-send later");
        return c.text("busy\n", 503, { "Retry-After": "5" });
      }
      seen.add(update.update_id);
      accept(update);
      return c.body(null, 200);
    },
  );

  const server = await listen(app, options.host, options.port);
  logger.info(
    { host: options.host, port: server.port, path: options.path },
    "webhook server listening",
  );

  return {
    port: server.port,
    close: () => server.close(),
    get inFlight() {
      return inFlight.size;
    },
    async drain(timeoutMs) {
      draining = true;
      let timer: TimerHandle | undefined;
      const timeout = new Promise<false>((resolve) => {
        timer = clock.setTimeout(() => resolve(false), timeoutMs);
      });
      const allDone = (async () => {
        // Nothing new is accepted while draining, so this loop ends.
        while (inFlight.size > 0) await Promise.all(inFlight);
        return true as const;
      })();
      const finished = await Promise.race([allDone, timeout]);
      if (timer) clock.clearTimeout(timer);
      if (!finished)
        logger.warn({ inFlight: inFlight.size, timeoutMs }, "webhook updates still running");
      return finished;
    },
  };
}

/** Hashing first makes the comparison constant-time whatever the lengths. */
function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

function isUpdate(value: unknown): value is Update {
  if (typeof value !== "object" || value === null) return false;
  const id = (value as { update_id?: unknown }).update_id;
  return typeof id === "number" && Number.isSafeInteger(id) && id >= 0;
}
