/**
 * The composition root: the one place that wires config, store, models, services, the
 * bot and the HTTP servers together, and takes them down again in order.
 */
import { run, type RunnerHandle } from "@grammyjs/runner";
import type { Logger } from "pino";
import { createBot, createFileFetcher } from "../bot/index.js";
import type { Config } from "../config/index.js";
import { defaultReadingMode } from "../jobs/index.js";
import {
  bindDatabaseMetrics,
  bindManagerMetrics,
  countApiErrors,
  countUpdates,
  createBotMetrics,
} from "../metrics/index.js";
import {
  botReadiness,
  registerWebhook,
  type RunningServer,
  startOpsServer,
  startWebhookServer,
  TelegramReachability,
  unregisterWebhook,
  webhookPathOf,
} from "../server/index.js";
import { systemClock, type Clock } from "../shared/clock.js";
import { withTimeout } from "../shared/timeout.js";
import { startApi } from "./api.js";
import { createCore } from "./core.js";
import {
  identify,
  StartupState,
  startupApi,
  untilTelegramAnswers,
  type TelegramStartDeps,
} from "./telegram-start.js";
import { retentionPolicy, startPruning, type PruningHandle } from "./retention.js";

export interface App {
  /**
   * Resolves once the bot identified itself and takes updates (polling or webhook), or
   * quietly when stop() cut a start short. While Telegram can't be reached it keeps
   * trying (TELEGRAM_START_*); the ops server and the HTTP API already serve meanwhile.
   * Rejects with TelegramRefusedError when Telegram refuses the token.
   */
  start(): Promise<void>;
  /** Stops taking updates, lets in-flight work finish (up to the timeout), closes everything. */
  stop(): Promise<void>;
}

/** How long start-up waits for Redis (ROLE=bot) before giving up. */
const REDIS_START_TIMEOUT_MS = 30_000;

/** How long shutdown spends telling users their jobs were interrupted. */
const NOTICE_TIMEOUT_MS = 3_000;

/** Updates the bot handles; Telegram sends nothing else. */
const ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"] as const;

export function createApp(config: Config, logger: Logger, clock: Clock = systemClock): App {
  const startedAt = clock.now();
  const core = createCore(config, { logger, clock, startedAt });
  const { store, cluster, tools, local, speech, jobs, status } = core;

  const metrics = createBotMetrics();
  bindDatabaseMetrics(metrics.registry, () => store.size());
  const reachability = new TelegramReachability();
  metrics.setTelegramSource(() => reachability.check().ok);
  const startup = new StartupState();
  // Aborted by stop(): ends a start that still waits for Telegram at once.
  const starting = new AbortController();
  const telegram = createBot(
    {
      token: config.telegram.token,
      apiRoot: config.telegram.apiRoot,
      adminIds: config.access.adminIds,
      allowedUserIds: config.access.allowedUserIds,
      maxFileBytes: config.limits.maxFileBytes,
      telegramTimeoutMs: config.telegram.timeoutMs,
      maxRetryAfterS: Math.ceil(config.telegram.maxRetryAfterMs / 1000),
      rateLimitPerMinute: config.limits.rateLimitPerMinute,
      resultMaxAgeMs: config.resultActionsMaxAgeMs,
      resultsKeptDays: config.retention.resultsMaxAgeDays,
      store,
      logger,
      clock,
      jobs,
      ownerMaxWaiting: config.models.ownerMaxWaiting,
      defaultReadingMode: defaultReadingMode(
        config.ocr.defaultMode,
        local?.profile.models.vision.device,
      ),
      status,
      fetchFile: createFileFetcher(config.telegram.apiRoot, config.telegram.token),
      journal: store.jobs,
    },
    {
      transformers: [countApiErrors(metrics), reachability.transformer],
      firstMiddleware: countUpdates(metrics),
    },
  );
  const { bot, registerCommands, idle } = telegram;
  const unbindMetrics = local ? bindManagerMetrics(local.manager, metrics) : () => undefined;
  const readiness = botReadiness({
    isDatabaseHealthy: () => store.isHealthy(),
    telegram: reachability,
    more: {
      // Until the bot identified itself and takes updates: says what it waits for.
      startup: () => startup.check(),
      ...(cluster && {
        redis: () =>
          cluster.remote.isReachable()
            ? { ok: true }
            : { ok: false, reason: "Redis does not answer (model jobs can't be queued)" },
      }),
    },
  });
  const telegramStart: TelegramStartDeps = {
    token: config.telegram.token,
    apiRoot: config.telegram.apiRoot,
    timeoutMs: config.telegram.timeoutMs,
    policy: config.telegram.startRetry,
    clock,
    logger,
    state: startup,
    transformers: [countApiErrors(metrics), reachability.transformer],
  };
  const startApiClient = startupApi(telegramStart);

  let ops: { close(): Promise<void> } | undefined;
  let api: RunningServer | undefined;
  let runner: RunnerHandle | undefined;
  let webhook: Awaited<ReturnType<typeof startWebhookServer>> | undefined;
  let stopping: Promise<void> | undefined;
  let pruning: PruningHandle | undefined;

  const startWebhook = async () => {
    const { url, secret, host, port } = config.telegram.webhook;
    webhook = await startWebhookServer({
      host,
      port,
      path: webhookPathOf(url!),
      secret: secret!,
      logger,
      readiness,
      // Runs after Telegram got its 200; errors were already answered by the bot.
      handleUpdate: telegram.handleUpdate,
    });
    await untilTelegramAnswers(
      "setWebhook",
      () =>
        registerWebhook(
          startApiClient,
          { url: url!, secret: secret!, allowedUpdates: [...ALLOWED_UPDATES] },
          logger,
        ),
      telegramStart,
      starting.signal,
    );
    logger.info({ port: webhook.port }, "receiving updates by webhook");
  };

  /** What start() does; each step that may wait checks whether stop() was called meanwhile. */
  const startSteps = async () => {
    const { signal } = starting;
    // First, so probes can tell "starting" (live, not ready) from "dead" during a long start.
    if (config.metrics.port > 0) {
      ops = await startOpsServer({
        host: config.metrics.host,
        port: config.metrics.port,
        readiness,
        registry: metrics.registry,
        logger,
      });
    }
    startup.waiting(cluster ? "connecting to Redis" : "starting");
    await cluster?.remote.start(REDIS_START_TIMEOUT_MS);
    signal.throwIfAborted();
    // The HTTP API needs no Telegram: it serves during a Telegram outage too.
    api = await startApi(config, core, { logger, clock, registry: metrics.registry });
    // Once now (a small batch at a time, between the bot's own writes), then periodically.
    pruning = startPruning({
      pruner: store.pruner(retentionPolicy(config.retention)),
      clock,
      intervalMs: config.retention.intervalMs,
      logger,
    });
    await speech
      .checkTools()
      .catch((error: unknown) => logger.warn({ err: error }, "voice features are unavailable"));
    signal.throwIfAborted();
    bot.botInfo = await identify(startApiClient, telegramStart, signal);
    logger.info(
      { username: bot.botInfo.username, apiRoot: config.telegram.apiRoot },
      "bot identified",
    );
    await registerCommands().catch((error: unknown) =>
      logger.warn({ err: error }, "could not set the command menus"),
    );
    signal.throwIfAborted();
    // Before updates are taken, so a re-delivered update is known to be re-run already.
    await telegram.recoverJobs();
    signal.throwIfAborted();
    if (config.telegram.mode === "webhook") {
      await startWebhook();
    } else {
      await untilTelegramAnswers(
        "deleteWebhook",
        () => unregisterWebhook(startApiClient, logger),
        telegramStart,
        signal,
      );
      runner = run(bot, { runner: { fetch: { allowed_updates: [...ALLOWED_UPDATES] } } });
      logger.info("polling for updates");
    }
    startup.done();
    if (local && config.models.preload.length > 0) {
      local.manager
        .preload(config.models.preload)
        .catch((error: unknown) => logger.error({ err: error }, "preloading models failed"));
    }
  };

  return {
    async start() {
      try {
        await startSteps();
      } catch (error) {
        // stop() cut the start short (SIGTERM while waiting for Telegram): not a failure.
        if (starting.signal.aborted) {
          logger.info("start-up cut short by shutdown");
          return;
        }
        throw error;
      }
    },

    stop() {
      stopping ??= (async () => {
        starting.abort(new Error("shutting down"));
        logger.info("shutting down: no new updates or API requests");
        // Takes no new requests; those in flight end with their jobs (finished or cancelled below).
        const apiClosed = api?.close();
        // Stop taking updates, then let the ones already received finish.
        await (webhook
          ? webhook.drain(config.shutdownTimeoutMs)
          : runner?.isRunning()
            ? runner.stop()
            : undefined);
        const finished = await Promise.race([
          idle().then(() => true),
          new Promise<false>((resolve) =>
            clock.setTimeout(() => resolve(false), config.shutdownTimeoutMs),
          ),
        ]);
        if (!finished) {
          logger.warn(
            { timeoutMs: config.shutdownTimeoutMs },
            "in-flight updates did not finish in time",
          );
          // Their users hear it now; the journal keeps the jobs for the next start.
          await withTimeout(telegram.interruptJobs(), NOTICE_TIMEOUT_MS, clock, () =>
            Error("telling users about interrupted jobs timed out"),
          ).catch((error: unknown) =>
            logger.warn({ err: error }, "could not tell every interrupted job's user"),
          );
        }
        await webhook?.close();
        await (cluster
          ? cluster.remote.shutdown()
          : local!.manager.shutdown(finished ? config.shutdownTimeoutMs : 0));
        await apiClosed;
        tools.close();
        unbindMetrics();
        await ops?.close();
        await pruning?.stop();
        store.close();
        logger.info("shut down cleanly");
      })();
      return stopping;
    },
  };
}
