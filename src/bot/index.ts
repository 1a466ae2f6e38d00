/**
 * The Telegram side: builds the grammY bot from the services. Everything Telegram
 * lives below this folder; nothing here knows about models or ONNX.
 */
import { autoRetry } from "@grammyjs/auto-retry";
import { sequentialize } from "@grammyjs/runner";
import { Bot, BotError, type BotConfig, type Middleware, type Transformer } from "grammy";
import type { I18n } from "@grammyjs/i18n";
import type { Logger } from "pino";
import type { Update, UserFromGetMe } from "grammy/types";
import type { BotContext } from "./context.js";
import type { BotDeps } from "./deps.js";
import { describeError } from "./errors.js";
import { replyParams } from "./format/send.js";
import { CancelRegistry } from "./cancel.js";
import { actions } from "./features/actions.js";
import { chat } from "./features/chat.js";
import { commands, registerCommands } from "./features/commands.js";
import { documents } from "./features/documents.js";
import { exportCommand } from "./features/export.js";
import { media } from "./features/media.js";
import { vision } from "./features/vision.js";
import { menus } from "./flows.js";
import { InFlightUpdates } from "./in-flight.js";
import { createI18n, pickLanguage } from "./i18n.js";
import { JobKeeper } from "./journal.js";
import { lineOf, PersonLines } from "./lines.js";
import { Steps } from "./steps.js";
import { callTimeout } from "./timeouts.js";
import {
  accessControl,
  contextExtras,
  ignoreWithoutSender,
  rateLimit,
  recordSeen,
} from "./middleware.js";
import { replyInTopic, topicOf } from "./topics.js";
import { CapacityError, isAppError } from "../shared/errors.js";

export type { BotDeps } from "./deps.js";
export type * from "./ports.js";
export { createFileFetcher } from "./files.js";

export interface TelegramBot {
  bot: Bot<BotContext>;
  /** Sets the command menus (per chat type and language); call once at start. */
  registerCommands(): Promise<void>;
  /** Resolves once every update received so far has been handled. */
  idle(): Promise<void>;
  /** Handles one update (webhook mode, jobs run again); errors are reported, never thrown. */
  handleUpdate(update: Update): Promise<void>;
  /**
   * At start-up, after `bot.init()` and before taking updates: runs again the jobs a crash
   * or a timed-out shutdown left in the journal, or tells their users.
   */
  recoverJobs(): Promise<void>;
  /** At shutdown, when jobs did not finish in time: tells their users, removes status messages. */
  interruptJobs(): Promise<void>;
}

export interface CreateBotOptions {
  /** Skips getMe at start (tests). */
  botInfo?: UserFromGetMe;
  client?: BotConfig<BotContext>["client"];
  /** Extra API transformers (metrics, tests); they run inside auto-retry, so they see every attempt. */
  transformers?: Transformer[];
  /** Runs before everything else for every update (e.g. counting updates). */
  firstMiddleware?: Middleware<BotContext>;
}

/**
 * Logs Bot API calls that got no answer. auto-retry retries those without limit and
 * without a word, which would otherwise make an unreachable server look like a hang.
 */
function logNetworkFailures(logger: Logger): Transformer {
  return async (prev, method, payload, signal) => {
    try {
      return await prev(method, payload, signal);
    } catch (error) {
      if (!signal?.aborted)
        logger.warn({ method, err: error }, "Telegram Bot API call failed; retrying");
      throw error;
    }
  };
}

/** Refusals for overload: a state, not a fault. */
const BUSY_CODES = new Set<string>(["model.busy", "owner.busy"]);

/**
 * Tells a person whose line is full that this request was not taken, at once: it runs
 * before the line (and before the context extras), so it reads their language itself.
 */
async function refuseBusy(ctx: BotContext, deps: BotDeps, i18n: I18n<BotContext>): Promise<void> {
  const from = ctx.from!;
  const language = pickLanguage(deps.store.settings.get(from.id), from.language_code);
  const error = new CapacityError("owner.busy", "too many requests waiting in the person's line");
  deps.logger.info(
    { chatId: ctx.chat?.id, userId: from.id, updateId: ctx.update.update_id },
    "person's line full: refused",
  );
  const thread = topicOf(ctx);
  await ctx.api
    .sendMessage(
      ctx.chat!.id,
      describeError(error, (key, variables) => i18n.t(language, key, variables)),
      {
        ...replyParams(ctx.msg?.message_id),
        ...(thread === undefined ? {} : { message_thread_id: thread }),
      },
    )
    .catch((replyError: unknown) =>
      deps.logger.warn({ err: replyError }, "could not tell a busy person"),
    );
}

export function createBot(deps: BotDeps, options: CreateBotOptions = {}): TelegramBot {
  const bot = new Bot<BotContext>(deps.token, {
    botInfo: options.botInfo,
    client: { apiRoot: deps.apiRoot, ...options.client },
  });
  // 429s wait for retry_after and 5xx are retried, so a flood limit slows the bot down
  // instead of losing a reply. grammY runs the last-installed transformer outermost:
  // auto-retry goes last so the others (metrics, logging) see every attempt.
  const transformers = [
    ...(options.transformers ?? []),
    logNetworkFailures(deps.logger),
    callTimeout(deps.clock, deps.telegramTimeoutMs),
    // A long retry_after is waited for (up to maxRetryAfterS), never answered with an
    // apology; the same person's later updates queue behind it in order (sequentialize).
    autoRetry({ maxRetryAttempts: 5, maxDelaySeconds: deps.maxRetryAfterS }),
  ];
  bot.api.config.use(...transformers);

  const i18n = createI18n<BotContext>();
  const extras = contextExtras(deps);
  const cancels = new CancelRegistry();
  const steps = new Steps(deps, cancels);

  // Each person's updates in a chat run in order (their answer can't overtake their
  // question); other people, in the same chat or not, run side by side under the runner.
  // A Cancel press can't wait for the job it cancels, so it skips the line (see lineOf).
  const inFlight = new InFlightUpdates();
  const keeper = new JobKeeper(deps, bot.api, (language, key) => i18n.t(language, key));
  const lines = new PersonLines(deps.ownerMaxWaiting, (ctx) => refuseBusy(ctx, deps, i18n));
  bot.use(inFlight.middleware);
  if (options.firstMiddleware) bot.use(options.firstMiddleware);
  // Before the line: a refused update is never accepted as a job, nor waits to be refused.
  bot.use(lines.middleware);
  // Before sequentialize: an update waiting behind its person's running job is accepted too.
  bot.use(keeper.middleware);
  bot.use(sequentialize(lineOf));
  bot.use(replyInTopic());
  bot.use(extras, ignoreWithoutSender, recordSeen(deps), i18n.middleware());
  bot.use(accessControl(deps), rateLimit(deps));

  const features = bot.errorBoundary(async (error) => {
    const ctx = error.ctx;
    if (keeper.keepIfInterrupted(ctx.update.update_id)) {
      ctx.log.info(
        { err: error.error },
        "interrupted job stopped by the shutdown; kept for the next start",
      );
      return;
    }
    // Overload is a state, not a fault: the user is told to come back in a minute.
    if (isAppError(error.error) && BUSY_CODES.has(error.error.code))
      ctx.log.info({ code: error.error.code, details: error.error.details }, "too busy: refused");
    else if (isAppError(error.error))
      ctx.log.warn({ code: error.error.code, err: error.error }, "request failed");
    else ctx.log.error({ err: error.error }, "update handler failed");
    if (!ctx.chat) return;
    await ctx
      .reply(describeError(error.error, ctx.t), replyParams(ctx.msg?.message_id))
      .catch((replyError: unknown) =>
        ctx.log.error({ err: replyError }, "could not report the error"),
      );
  });
  features.use(
    menus(deps.store, deps.defaultReadingMode),
    commands(deps),
    exportCommand(deps),
    actions(deps, steps, cancels),
    documents(steps),
    vision(deps, steps),
    media(deps, steps),
    chat(steps),
  );

  bot.catch((error) => {
    deps.logger.error(
      { err: error.error, updateId: error.ctx.update.update_id },
      "unhandled error in update",
    );
  });

  const handleUpdate = async (update: Update): Promise<void> => {
    try {
      await bot.handleUpdate(update);
    } catch (error) {
      if (error instanceof BotError) await bot.errorHandler(error);
      else deps.logger.error({ err: error, updateId: update.update_id }, "update failed");
    }
  };

  return {
    bot,
    registerCommands: () => registerCommands(bot.api, i18n, deps.adminIds),
    idle: () => inFlight.idle(),
    handleUpdate,
    recoverJobs: () => keeper.recover(handleUpdate),
    interruptJobs: () => keeper.interruptAll(),
  };
}
