/**
 * The Telegram steps every feature shares: download a file (size-checked), run a slow job
 * with a status message and a chat action, stream an answer, send a voice message, send a
 * result with its buttons. What runs is the job layer's to decide.
 */
import { InlineKeyboard, InputFile } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import {
  telegramOwner,
  type ConversationOwner,
  type MediaInput,
  type PictureRef,
  type Progress,
  type TurnKind,
} from "../jobs/index.js";
import { InputError, isAppError, NetworkError } from "../shared/errors.js";
import { withDeadline } from "../shared/timeout.js";
import { cancelData, type CancellableJob, type CancelRegistry } from "./cancel.js";
import type { BotContext } from "./context.js";
import type { BotDeps } from "./deps.js";
import { checkSize, type MediaRef } from "./files.js";
import { replyParams, sendLongText } from "./format/send.js";
import { documentAnswerText } from "./format/sources.js";
import { describeProgress, keepChatAction, paceOf, ProgressMessage } from "./progress.js";
import { pickLanguage } from "./i18n.js";
import { resultKeyboard } from "./result-buttons.js";
import { streamAnswer } from "./streaming.js";
import { downloadTimeoutMs } from "./timeouts.js";

/**
 * How long an answer's status ("number 3 in line", a picture question's steps) waits before
 * it appears; a model load is said at once. Typing shows at once, most answers start
 * streaming sooner, and a status sent and deleted within the second was two Telegram calls
 * for nothing (bench:load's crowd: ~8 Telegram calls per answer, a third of the main thread).
 */
const ANSWER_STATUS_AFTER_MS = 1_000;

/** A result about to be sent: its text, and the buttons the job layer's stored result gets. */
export interface ResultToSend {
  text: string;
  /** The stored result; no buttons without one. */
  resultId?: number;
  /** A 🎬 Subtitles button (a transcript with timed segments). */
  subtitles?: boolean;
  /** A 📊 Table button (text read from a picture). */
  table?: boolean;
  /** A 💬 Ask button (recognized text, a transcript). */
  ask?: boolean;
}

export class Steps {
  constructor(
    private readonly deps: BotDeps,
    private readonly cancels: CancelRegistry,
  ) {}

  /** Downloads a message's file after checking its size against the limit. */
  async download(ctx: BotContext, media: MediaRef): Promise<MediaInput> {
    checkSize(media, this.deps.maxFileBytes);
    const file = await ctx.api.getFile(media.fileId);
    if (!file.file_path)
      throw new InputError("input.too_large", "Telegram gave no file path", { limitMb: 20 });
    const path = file.file_path;
    const ms = downloadTimeoutMs(file.file_size ?? media.fileSize, this.deps.telegramTimeoutMs);
    const bytes = await withDeadline(
      this.deps.clock,
      ms,
      (signal) => this.deps.fetchFile(path, signal),
      () => new NetworkError("download.timeout", `the download took over ${ms} ms`, { ms }),
    );
    return { bytes, fileName: media.fileName, mimeType: media.mimeType };
  }

  /**
   * Runs `work` while a status message shows its progress; the message goes away after.
   * The message has a ✖ Cancel button for the person who asked: pressing it aborts the
   * signal `work` gets (a queued job leaves the queue, a running one stops).
   */
  async withProgress<T>(
    ctx: BotContext,
    options: {
      action: "typing" | "record_voice" | "upload_document";
      replyTo?: number;
      initial: string;
    },
    work: (onProgress: (progress: Progress) => void, signal?: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const chatId = ctx.chat!.id;
    const { job, keyboard } = this.cancellable(ctx);
    const progress = new ProgressMessage(ctx.api, chatId, this.deps.clock, {
      replyTo: options.replyTo,
      editIntervalMs: this.deps.streaming?.editIntervalMs,
      // The journal deletes it after a crash or an interrupted shutdown.
      onMessage: (id) => this.deps.journal.showProgress(ctx.update.update_id, id),
      keyboard,
    });
    const stopAction = keepChatAction(ctx.api, chatId, options.action, this.deps.clock);
    progress.show(options.initial);
    try {
      return await work(
        (update) => progress.show(describeProgress(update, ctx.t), paceOf(update)),
        job?.signal,
      );
    } finally {
      job?.done();
      stopAction();
      await progress.close();
    }
  }

  /** A cancellable job for the person who asked, and the ✖ Cancel button for its status. */
  private cancellable(ctx: BotContext): {
    job?: CancellableJob;
    keyboard?: InlineKeyboardMarkup;
  } {
    if (!ctx.from) return {};
    const job = this.cancels.start(ctx.from.id);
    return {
      job,
      keyboard: new InlineKeyboard().text(ctx.t("cancel-button"), cancelData(job.id)),
    };
  }

  /** The buttons under a stored result. */
  private resultButtons(ctx: BotContext, result: ResultToSend): InlineKeyboardMarkup | undefined {
    if (result.resultId === undefined) return undefined;
    return resultKeyboard(ctx.t, result.resultId, {
      subtitles: result.subtitles ?? false,
      table: result.table ?? false,
      ask: result.ask ?? false,
    });
  }

  /**
   * Streams the answer into the chat and returns it; the job layer picks the model (the
   * vision model when pictures are in context). While others are ahead in the chat model's
   * line, a status message tells the user their place (next in line is not worth a message:
   * it is also what a first request sees while the model loads); a picture question shows
   * every step, the vision model being slow to load.
   */
  async answer(
    ctx: BotContext,
    text: string,
    kind: TurnKind,
    replyTo?: number,
    picture?: MediaRef,
  ): Promise<string> {
    const chatId = ctx.chat!.id;
    const owner = ownerOf(ctx);
    const stopAction = keepChatAction(ctx.api, chatId, "typing", this.deps.clock);
    const { job, keyboard } = this.cancellable(ctx);
    const inLine = new ProgressMessage(ctx.api, chatId, this.deps.clock, {
      replyTo,
      editIntervalMs: this.deps.streaming?.editIntervalMs,
      appearAfterMs: this.deps.streaming?.statusAfterMs ?? ANSWER_STATUS_AFTER_MS,
      keyboard,
    });
    try {
      const sent = picture && {
        fileId: picture.fileId,
        uniqueId: picture.uniqueId ?? picture.fileId,
      };
      const plan = await this.deps.jobs.plan(owner, sent, async (ref: PictureRef) => {
        const media = ref === sent ? picture! : { kind: "image" as const, ...ref };
        return (await this.download(ctx, media)).bytes;
      });
      // A follow-up about the conversation's document: answered from it, with sources.
      if (plan.route === "document") return await this.askDocument(ctx, text, undefined, replyTo);
      const onProgress = (progress: Progress) => {
        if (plan.route === "vision" || (progress.type === "queued" && progress.position > 1))
          inLine.show(describeProgress(progress, ctx.t), paceOf(progress));
      };
      const reply = this.deps.jobs.answer({
        owner,
        text,
        kind,
        language: pickLanguage(ctx.settings, ctx.from?.language_code),
        plan,
        onProgress,
        ...(job ? { signal: job.signal } : {}),
      });
      const shown = await streamAnswer(ctx.api, chatId, reply.pieces, {
        clock: this.deps.clock,
        useDrafts: ctx.chat!.type === "private",
        replyTo,
        finalMarkup: (answer) =>
          this.resultButtons(ctx, {
            text: answer,
            resultId: this.deps.jobs.keepAnswer(owner, answer),
          }),
        draftIntervalMs: this.deps.streaming?.draftIntervalMs,
        editIntervalMs: this.deps.streaming?.editIntervalMs,
      });
      const outcome = await reply.done;
      if (outcome.truncated) await ctx.reply(ctx.t("answer-truncated"), replyParams(replyTo));
      return outcome.text || shown;
    } finally {
      job?.done();
      stopAction();
      await inLine.close();
    }
  }

  /**
   * Answers a question about a stored result (or the conversation's document), with its
   * sources under it; returns the text sent. The answer is checked before it is shown, so it
   * arrives whole, after a status message.
   */
  async askDocument(
    ctx: BotContext,
    question: string,
    resultId: number | undefined,
    replyTo?: number,
  ): Promise<string> {
    const answer = await this.withProgress(
      ctx,
      { action: "typing", replyTo, initial: ctx.t("progress-working") },
      (onProgress, signal) =>
        this.deps.jobs.ask({
          owner: ownerOf(ctx),
          question,
          ...(resultId === undefined ? {} : { resultId }),
          language: pickLanguage(ctx.settings, ctx.from?.language_code),
          onProgress,
          ...(signal ? { signal } : {}),
        }),
    );
    const text = documentAnswerText(ctx.t, answer);
    await sendLongText(ctx.api, ctx.chat!.id, text, {
      replyTo,
      fileName: "answer.txt",
      fileIntro: (chars) => ctx.t("long-text-as-file", { chars }),
    });
    if (answer.truncated) await ctx.reply(ctx.t("answer-truncated"), replyParams(replyTo));
    return answer.found ? answer.text : "";
  }

  /**
   * Makes a stored result the conversation's document (💬 Ask, a reply without a question)
   * and invites the question.
   */
  async chooseDocument(ctx: BotContext, resultId: number, replyTo?: number): Promise<void> {
    this.deps.jobs.chooseDocument(ownerOf(ctx), resultId);
    await ctx.reply(
      ctx.t("ask-document-prompt", { group: ctx.chat!.type === "private" ? "no" : "yes" }),
      replyParams(replyTo),
    );
  }

  /** Sends `text` as a voice message in the user's chosen voice (`lang`: the text's language). */
  async speak(ctx: BotContext, text: string, replyTo?: number, lang?: string): Promise<void> {
    const speech = await this.withProgress(
      ctx,
      { action: "record_voice", replyTo, initial: ctx.t("progress-speaking") },
      (onProgress, signal) =>
        this.deps.jobs.speak({
          owner: ownerOf(ctx),
          text,
          voice: ctx.settings.ttsVoice,
          lang,
          onProgress,
          signal,
        }),
    );
    await ctx.api.sendVoice(ctx.chat!.id, new InputFile(Buffer.from(speech.audio), "voice.ogg"), {
      duration: Math.max(1, Math.round(speech.durationS)),
      ...replyParams(replyTo),
    });
  }

  /**
   * An automatic voice reply (the user's setting asked for one): an answer too long to
   * speak is simply not spoken, since its text has already been sent.
   */
  async speakOptional(ctx: BotContext, text: string, replyTo?: number): Promise<void> {
    try {
      await this.speak(ctx, text, replyTo);
    } catch (error) {
      if (!isAppError(error) || error.code !== "tts.too_long") throw error;
      ctx.log.info({ chars: text.length }, "answer too long for a voice reply");
    }
  }

  /**
   * Sends recognized text (plain messages, or a file with a preview when it is long) with
   * the result buttons under it.
   */
  async sendRecognized(
    ctx: BotContext,
    result: ResultToSend,
    options: { replyTo?: number; label?: string; fileName: string },
  ): Promise<void> {
    const body = options.label ? `${options.label}:\n${result.text}` : result.text;
    await sendLongText(ctx.api, ctx.chat!.id, body, {
      replyTo: options.replyTo,
      fileName: options.fileName,
      fileIntro: (chars) => ctx.t("long-text-as-file", { chars }),
      markup: this.resultButtons(ctx, result),
    });
  }
}

/** The person a job is done for, in the chat it came from (every handled update has both). */
export function ownerOf(ctx: BotContext): ConversationOwner {
  return telegramOwner(ctx.chat!, ctx.from!.id);
}
