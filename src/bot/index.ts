/**
 * The Telegram side: builds the grammY bot from the services. Nothing below this
 * folder knows about Telegram.
 */
import { Bot } from "grammy";
import type { Logger } from "pino";
import type { Store } from "../memory/index.js";

export interface BotDeps {
  token: string;
  apiRoot: string;
  store: Store;
  logger: Logger;
}

export function createBot(deps: BotDeps): Bot {
  const bot = new Bot(deps.token, { client: { apiRoot: deps.apiRoot } });
  bot.use(async (ctx, next) => {
    if (ctx.from) {
      deps.store.users.touchUser({
        id: ctx.from.id,
        firstName: ctx.from.first_name,
        username: ctx.from.username,
        languageCode: ctx.from.language_code,
      });
    }
    if (ctx.chat)
      deps.store.users.touchChat({ id: ctx.chat.id, type: ctx.chat.type, title: ctx.chat.title });
    await next();
  });
  bot.command("start", (ctx) =>
    ctx.reply("Hello! Send me a photo, a PDF, a voice note or a question."),
  );
  bot.catch((error) => {
    deps.logger.error({ err: error.error, updateId: error.ctx.update.update_id }, "update failed");
  });
  return bot;
}
