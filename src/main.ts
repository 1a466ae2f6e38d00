/**
 * Entry point: reads `.env` and the environment, validates the config, starts the app
 * and stops it cleanly on SIGINT/SIGTERM. Exit status: 0 after a clean stop, 78 (EX_CONFIG)
 * for a start no restart can fix (invalid config, a token Telegram refuses), 1 otherwise.
 */
import { createApp } from "./app/index.js";
import { installLastResortHandlers } from "./app/last-resort.js";
import { MISSING_NODE_FLAGS, missingNodeFlags } from "./app/node-flags.js";
import { EXIT_CONFIG, TelegramRefusedError } from "./app/telegram-start.js";
import { createWorkerApp } from "./app/worker.js";
import { ConfigError, loadConfig, loadDotEnv, type Config } from "./config/index.js";
import { createLogger } from "./log/index.js";

function readConfig(): Config {
  loadDotEnv();
  try {
    return loadConfig(process.env, { isTty: process.stdout.isTTY });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    if (!process.env.BOT_TOKEN && error.problems.length === 1) {
      console.error(
        "BOT_TOKEN is not set: create a bot with @BotFather (https://t.me/BotFather, /newbot) and put its token in .env as BOT_TOKEN=...",
      );
    } else {
      console.error(error.message);
    }
    // A restart can't fix it: a distinct status that supervisors don't restart on.
    process.exit(EXIT_CONFIG);
  }
}

const config = readConfig();
const logger = createLogger({
  level: config.log.level,
  format: config.log.format,
  secrets: [config.telegram.token, config.telegram.webhook.secret],
});
installLastResortHandlers(logger);
const missingFlags = missingNodeFlags(process.execArgv);
if (missingFlags.length > 0) {
  logger.warn({ missing: missingFlags }, MISSING_NODE_FLAGS);
}
const app =
  config.cluster.role === "worker" ? createWorkerApp(config, logger) : createApp(config, logger);

/**
 * A signal sent to the whole process group (systemd's default KillMode, a terminal's
 * Ctrl-C) reaches node and a wrapper (npm) that passes it on: copies that close together
 * are one request to stop. A signal after that window stops at once.
 */
const REPEATED_SIGNAL_MS = 1_000;
let firstSignalAt: number | undefined;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt < REPEATED_SIGNAL_MS) {
        logger.info({ signal }, "signal repeated by a wrapper process: still draining");
        return;
      }
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    firstSignalAt = Date.now();
    logger.info({ signal }, "signal received");
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, "shutdown timed out");
      process.exit(1);
    }, config.shutdownTimeoutMs + 5_000);
    deadline.unref();
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  });
}

try {
  await app.start();
} catch (error) {
  logger.fatal({ err: error }, "could not start");
  await app.stop().catch(() => undefined);
  // A refused token is a configuration error (no restart helps); anything else may pass.
  process.exit(error instanceof TelegramRefusedError ? EXIT_CONFIG : 1);
}
