/**
 * The composition root: the one place that wires config, store, models, services and
 * the bot together, and takes them down again in order.
 */
import { run, sequentialize, type RunnerHandle } from "@grammyjs/runner";
import type { Logger } from "pino";
import { createBot } from "./bot/index.js";
import type { Config } from "./config/index.js";
import { Store } from "./memory/index.js";

export interface App {
  /** Resolves when the bot has identified itself and started taking updates. */
  start(): Promise<void>;
  /** Stops taking updates, lets in-flight work finish (up to the timeout), closes everything. */
  stop(): Promise<void>;
}

export function createApp(config: Config, logger: Logger): App {
  const store = Store.open(config.databasePath);
  const bot = createBot({
    token: config.telegram.token,
    apiRoot: config.telegram.apiRoot,
    store,
    logger,
  });
  let runner: RunnerHandle | undefined;
  let stopping: Promise<void> | undefined;

  return {
    async start() {
      await bot.init();
      logger.info(
        { username: bot.botInfo.username, apiRoot: config.telegram.apiRoot },
        "bot identified",
      );
      // One chat's updates run in order; different chats run side by side.
      const ordered = sequentialize<{ chat?: { id: number } }>((ctx) => ctx.chat?.id.toString());
      bot.use(ordered);
      runner = run(bot);
      logger.info("polling for updates");
    },
    stop() {
      stopping ??= (async () => {
        logger.info("shutting down: no new updates");
        await runner?.stop();
        store.close();
        logger.info("shut down cleanly");
      })();
      return stopping;
    },
  };
}
