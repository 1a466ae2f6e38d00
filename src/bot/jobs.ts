/**
 * The steps every feature shares: download a file (size-checked), run a slow job with a
 * status message and a chat action, stream a chat answer, send a voice message.
 */
import { InlineKeyboard, InputFile } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import type { NewResult } from "../memory/index.js";
import { detectLanguage } from "../services/documents/text.js";
import { InputError, isAppError, NetworkError } from "../shared/errors.js";
import { withDeadline } from "../shared/timeout.js";
import { cancelData, type CancellableJob, type CancelRegistry } from "./cancel.js";
import type { BotContext } from "./context.js";
import type { BotDeps } from "./deps.js";
import { checkSize, type MediaRef } from "./files.js";
import { replyParams, sendLongText } from "./format/send.js";
import { describeProgress, keepChatAction, ProgressMessage } from "./progress.js";
import { pickLanguage } from "./i18n.js";
import type { ChatReply, MediaInput, PictureRef, Progress, TurnKind } from "./ports.js";
import { resultKeyboard } from "./result-buttons.js";
import { streamAnswer } from "./streaming.js";
import { downloadTimeoutMs } from "./timeouts.js";

/** Chat answers at least this long get the result buttons (summary, translate, ...). */
export const LONG_ANSWER_CHARS = 500;

/** A result about to be sent, to be kept for the buttons under it. */
export type ResultToKeep = Pick<
  NewResult,
  "kind" | "language" | "text" | "segments" | "sourceFileId"
>;

export class Jobs {
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
      return await work((update) => progress.show(describeProgress(update, ctx.t)), job?.signal);
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

  /**
   * Keeps a result for the buttons under it and returns those buttons; none where there is
   * nobody to own it (a channel post).
   */
  keepResult(ctx: BotContext, result: ResultToKeep): InlineKeyboardMarkup | undefined {
    if (!ctx.chat || !ctx.from) return undefined;
    const id = this.deps.store.results.save({
      chatId: ctx.chat.id,
      userId: ctx.from.id,
      ...result,
    });
    return resultKeyboard(ctx.t, id, {
      subtitles: (result.segments ?? []).length > 0,
      table: result.sourceFileId !== undefined,
    });
  }

  /**
   * Streams the answer into the chat and returns it: the vision model's when the user shows
   * a picture or the conversation holds one, the chat model's otherwise. While others are
   * ahead in the chat model's line, a status message tells the user their place (next in
   * line is not worth a message: it is also what a first request sees while the model
   * loads); a picture question shows every step, the vision model being slow to load.
   */
  async answer(
    ctx: BotContext,
    text: string,
    kind: TurnKind,
    replyTo?: number,
    picture?: MediaRef,
  ): Promise<string> {
    const chatId = ctx.chat!.id;
    const stopAction = keepChatAction(ctx.api, chatId, "typing", this.deps.clock);
    const { job, keyboard } = this.cancellable(ctx);
    const inLine = new ProgressMessage(ctx.api, chatId, this.deps.clock, {
      replyTo,
      editIntervalMs: this.deps.streaming?.editIntervalMs,
      keyboard,
    });
    let aboutPictures = false;
    const onProgress = (progress: Progress) => {
      if (aboutPictures || (progress.type === "queued" && progress.position > 1))
        inLine.show(describeProgress(progress, ctx.t));
    };
    try {
      const pictures = await this.picturesFor(ctx, picture);
      aboutPictures = pictures.length > 0;
      const options = { onProgress, signal: job?.signal, requester: requesterOf(ctx) };
      const reply: ChatReply = aboutPictures
        ? this.deps.vision.ask(
            {
              chatId,
              userId: ctx.from!.id,
              question: text,
              language: answerLanguage(ctx, text),
              pictures,
            },
            options,
          )
        : this.deps.chat.reply({ chatId, userId: ctx.from!.id, text, kind }, options);
      const shown = await streamAnswer(ctx.api, chatId, reply.pieces, {
        clock: this.deps.clock,
        useDrafts: ctx.chat!.type === "private",
        replyTo,
        finalMarkup: (answer) =>
          answer.length >= LONG_ANSWER_CHARS
            ? this.keepResult(ctx, {
                kind: "answer",
                language: detectLanguage(answer),
                text: answer,
              })
            : undefined,
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
   * The pictures a question is about, downloaded: the one sent with it, then the newest
   * ones of the conversation (a follow-up still sees them until /reset). Only references
   * are stored, so each is fetched from Telegram again.
   */
  private async picturesFor(
    ctx: BotContext,
    picture: MediaRef | undefined,
  ): Promise<(PictureRef & { bytes: Uint8Array })[]> {
    if (!ctx.chat || !ctx.from) return [];
    const refs: PictureRef[] = [];
    if (picture)
      refs.push({ fileId: picture.fileId, uniqueId: picture.uniqueId ?? picture.fileId });
    for (const earlier of this.deps.vision.conversationImages({
      chatId: ctx.chat.id,
      userId: ctx.from.id,
    })) {
      if (!refs.some((ref) => ref.uniqueId === earlier.uniqueId)) refs.push(earlier);
    }
    const pictures: (PictureRef & { bytes: Uint8Array })[] = [];
    for (const ref of refs.slice(0, MAX_PICTURES)) {
      if (picture?.fileId === ref.fileId) {
        pictures.push({ ...ref, bytes: (await this.download(ctx, picture)).bytes });
        continue;
      }
      // An earlier picture Telegram no longer serves is left out rather than failing the
      // question: without any, the conversation goes on with the chat model.
      try {
        pictures.push({
          ...ref,
          bytes: (await this.download(ctx, { kind: "image", ...ref })).bytes,
        });
      } catch (error) {
        ctx.log.warn(
          { err: error, uniqueId: ref.uniqueId },
          "an earlier picture could not be fetched",
        );
      }
    }
    return pictures;
  }

  /** Sends `text` as a voice message in the user's chosen voice (`lang`: the text's language). */
  async speak(ctx: BotContext, text: string, replyTo?: number, lang?: string): Promise<void> {
    const speech = await this.withProgress(
      ctx,
      { action: "record_voice", replyTo, initial: ctx.t("progress-speaking") },
      (onProgress, signal) =>
        this.deps.speech.synthesize(text, {
          voice: ctx.settings.ttsVoice,
          lang,
          onProgress,
          signal,
          requester: requesterOf(ctx),
        }),
    );
    await ctx.api.sendVoice(ctx.chat!.id, new InputFile(Buffer.from(speech.ogg), "voice.ogg"), {
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
    result: ResultToKeep,
    options: { replyTo?: number; label?: string; fileName: string },
  ): Promise<void> {
    const body = options.label ? `${options.label}:\n${result.text}` : result.text;
    await sendLongText(ctx.api, ctx.chat!.id, body, {
      replyTo: options.replyTo,
      fileName: options.fileName,
      fileIntro: (chars) => ctx.t("long-text-as-file", { chars }),
      markup: this.keepResult(ctx, result),
    });
  }
}

/** Pictures shown to the vision model with one question at most (the newest). */
const MAX_PICTURES = 2;

/** The language of a picture answer: the question's when it is Russian or English, else the user's. */
function answerLanguage(ctx: BotContext, question: string): string {
  const language = detectLanguage(question);
  return language === "ru" || language === "en"
    ? language
    : pickLanguage(ctx.settings, ctx.from?.language_code);
}

/** The (chat, user) a job is done for, for the usage log. */
export function requesterOf(ctx: BotContext): { chatId: number; userId: number } | undefined {
  return ctx.chat && ctx.from ? { chatId: ctx.chat.id, userId: ctx.from.id } : undefined;
}
