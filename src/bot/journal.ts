/**
 * Keeps the job journal: every message addressed to the bot is recorded when it arrives
 * and cleared once it has been handled (answered, or failed with a reply). At shutdown the
 * users of jobs still running are told; at start-up the jobs a crash or a timed-out
 * shutdown left behind are run again from their stored update, or their users told.
 */
import type { Api, MiddlewareFn } from "grammy";
import type { Message, Update } from "grammy/types";
import type { Logger } from "pino";
import type { JobRecord } from "../memory/index.js";
import type { Clock } from "../shared/clock.js";
import type { BotContext } from "./context.js";
import type { BotDeps } from "./deps.js";
import { findMedia } from "./files.js";
import { replyParams } from "./format/send.js";
import { pickLanguage } from "./i18n.js";
import { isAddressedToBot } from "./middleware.js";
import type { JobJournal } from "./ports.js";

/** A job is started at most this many times; then its user is asked to send it again. */
export const MAX_JOB_ATTEMPTS = 2;
/** A job older than this at start-up is not run again: its user is told instead. */
export const MAX_JOB_AGE_MS = 24 * 60 * 60 * 1000;

type Notice = "job-interrupted" | "job-lost";

/** What a message asks for, for logs: "command:ocr", "text", "image", "audio"... */
export function jobKind(message: Message): string {
  const command = message.entities?.find((e) => e.type === "bot_command" && e.offset === 0);
  if (command && message.text)
    return `command:${message.text.slice(1, command.length).split("@")[0]}`;
  const media = findMedia(message);
  if (media) return "unsupported" in media ? "document" : media.kind;
  return message.text === undefined ? "other" : "text";
}

export class JobKeeper {
  /** Updates run again from the journal: a re-delivery of one by Telegram is dropped. */
  private readonly replays = new Map<number, Update>();
  /** Jobs whose users were told at shutdown that they will be done again. */
  private readonly interrupted = new Set<number>();
  /** Interrupted jobs that failed afterwards (the shutdown stopped them): kept for the next start. */
  private readonly kept = new Set<number>();
  private readonly journal: JobJournal;
  private readonly logger: Logger;
  private readonly clock: Clock;

  constructor(
    private readonly deps: BotDeps,
    private readonly api: Api,
    private readonly translate: (language: string, key: Notice) => string,
  ) {
    this.journal = deps.journal;
    this.logger = deps.logger;
    this.clock = deps.clock;
  }

  /** Records the update's job before anything else runs, and clears it once handled. */
  readonly middleware: MiddlewareFn<BotContext> = async (ctx, next) => {
    const updateId = ctx.update.update_id;
    const replay = this.replays.get(updateId);
    if (replay && replay !== ctx.update) {
      this.logger.debug({ updateId }, "update already run again from the job journal");
      return;
    }
    const message = ctx.message;
    const from = ctx.from;
    if (!message || !from || from.is_bot || !ctx.chat || !isAddressedToBot(ctx)) return next();
    this.journal.accept({
      updateId,
      chatId: ctx.chat.id,
      userId: from.id,
      kind: jobKind(message),
      messageId: message.message_id,
      language: pickLanguage(this.deps.store.settings.get(from.id), from.language_code),
      update: ctx.update,
    });
    try {
      await next();
    } finally {
      if (!this.kept.has(updateId)) this.journal.clear(updateId);
    }
  };

  /**
   * For a job that failed: true when its user was already told at shutdown that it will be
   * done again. Its failure is then the shutdown's doing: the job stays in the journal for
   * the next start, and no second, contradicting reply is owed.
   */
  keepIfInterrupted(updateId: number): boolean {
    if (!this.interrupted.has(updateId)) return false;
    this.kept.add(updateId);
    return true;
  }

  /**
   * At shutdown, for the jobs still running: removes their status messages and tells their
   * users they were interrupted (and will be done again at start-up, or should be sent again).
   */
  async interruptAll(): Promise<void> {
    const jobs = this.journal.pending();
    for (const job of jobs) {
      const giveUp = job.attempts >= MAX_JOB_ATTEMPTS;
      await this.removeProgress(job);
      await this.tell(job, giveUp ? "job-lost" : "job-interrupted");
      if (giveUp) {
        this.journal.clear(job.updateId);
      } else {
        this.journal.markInterrupted(job.updateId);
        this.interrupted.add(job.updateId);
      }
    }
    if (jobs.length > 0) this.logger.warn({ jobs: jobs.length }, "jobs interrupted by shutdown");
  }

  /**
   * At start-up, before updates are taken: removes stale status messages of the jobs left
   * in the journal, starts again those that may be (through `handle`, the bot's own update
   * handling) and tells the users of the others to send them again.
   */
  async recover(handle: (update: Update) => Promise<void>): Promise<void> {
    const jobs = this.journal.pending();
    const rerun: Update[] = [];
    for (const job of jobs) {
      await this.removeProgress(job);
      const tooOld = this.clock.now() - job.acceptedAt > MAX_JOB_AGE_MS;
      if (job.attempts >= MAX_JOB_ATTEMPTS || tooOld) {
        await this.tell(job, "job-lost");
        this.journal.clear(job.updateId);
        continue;
      }
      const update = job.update as Update;
      this.journal.retry(job.updateId);
      this.replays.set(job.updateId, update);
      rerun.push(update);
    }
    if (jobs.length === 0) return;
    this.logger.info(
      { rerun: rerun.length, givenUp: jobs.length - rerun.length },
      "jobs left from the last run",
    );
    // Not awaited: they run beside new updates (in order within each person's line).
    for (const update of rerun) {
      handle(update).catch((error: unknown) =>
        this.logger.error({ err: error, updateId: update.update_id }, "re-running a job failed"),
      );
    }
  }

  private async removeProgress(job: JobRecord): Promise<void> {
    if (job.progressMessageId === undefined) return;
    await this.api
      .deleteMessage(job.chatId, job.progressMessageId)
      .catch((error: unknown) =>
        this.logger.debug({ err: error, chatId: job.chatId }, "stale status message not removed"),
      );
    this.journal.showProgress(job.updateId, undefined);
  }

  private async tell(job: JobRecord, notice: Notice): Promise<void> {
    await this.api
      .sendMessage(job.chatId, this.translate(job.language, notice), replyParams(job.messageId))
      .catch((error: unknown) =>
        this.logger.warn({ err: error, chatId: job.chatId, notice }, "could not tell the user"),
      );
  }
}
