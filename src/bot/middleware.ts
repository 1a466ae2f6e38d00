import { limit } from "@grammyjs/ratelimiter";
import type { Context, MiddlewareFn, NextFunction } from "grammy";
import { DEFAULT_SETTINGS } from "../memory/index.js";
import type { BotContext, BotExtras } from "./context.js";
import type { BotDeps } from "./deps.js";

/**
 * Gives every update a logger bound to it and the sender's settings. Installed both on
 * the bot and inside multi-step flows.
 */
export function contextExtras(deps: BotDeps) {
  return async (ctx: Context & Partial<BotExtras>, next: NextFunction): Promise<void> => {
    ctx.log = deps.logger.child({
      updateId: ctx.update.update_id,
      chatId: ctx.chat?.id,
      userId: ctx.from?.id,
    });
    ctx.settings = ctx.from ? deps.store.settings.get(ctx.from.id) : { ...DEFAULT_SETTINGS };
    await next();
  };
}

/**
 * Updates without a sender (a channel post, a group message sent as the group) ask nothing
 * of the bot: they are ignored, and logged at debug level only.
 */
export const ignoreWithoutSender: MiddlewareFn<BotContext> = async (ctx, next) => {
  if (ctx.from) return next();
  ctx.log.debug({ chatType: ctx.chat?.type }, "update without a sender: ignored");
};

/** Records first/last seen for users and chats; once per update, outside flows. */
export function recordSeen(deps: BotDeps): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    if (ctx.from && !ctx.from.is_bot) {
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
  };
}

/** True when the message is a command, mentions the bot or replies to it. */
export function isAddressedToBot(ctx: BotContext): boolean {
  const message = ctx.message ?? ctx.editedMessage;
  if (!message) return ctx.callbackQuery !== undefined;
  if (ctx.chat?.type === "private") return true;
  const entities = message.entities ?? message.caption_entities ?? [];
  const text = message.text ?? message.caption ?? "";
  const mention = `@${ctx.me.username}`.toLowerCase();
  return (
    entities.some((entity) => entity.type === "bot_command" && entity.offset === 0) ||
    text.toLowerCase().includes(mention) ||
    message.reply_to_message?.from?.id === ctx.me.id
  );
}

/** With an allow-list, other users get one polite refusal and nothing else. */
export function accessControl(deps: BotDeps): MiddlewareFn<BotContext> {
  const allowed = new Set([...deps.allowedUserIds, ...deps.adminIds]);
  return async (ctx, next) => {
    if (deps.allowedUserIds.length === 0 || (ctx.from && allowed.has(ctx.from.id))) return next();
    ctx.log.info("update from a user outside the allow-list");
    if (ctx.callbackQuery) await ctx.answerCallbackQuery(ctx.t("not-allowed"));
    else if (isAddressedToBot(ctx)) await ctx.reply(ctx.t("not-allowed"));
  };
}

/** Per-user rate limit; the user is told once per window, further updates are dropped. */
export function rateLimit(deps: BotDeps): MiddlewareFn<BotContext> {
  return limit<BotContext, never>({
    timeFrame: 60_000,
    limit: deps.rateLimitPerMinute,
    keyGenerator: (ctx) => ctx.from?.id.toString(),
    onLimitExceeded: (ctx) => {
      ctx.log.info("rate limit exceeded");
      if (isAddressedToBot(ctx)) ctx.reply(ctx.t("rate-limited")).catch(() => undefined);
    },
  });
}
