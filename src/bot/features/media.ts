/**
 * Photos, PDFs and audio. Private chats handle them as they arrive; groups only through
 * /ocr, /transcribe and /speak, sent with the file or as a reply to it.
 */
import { Composer, type FilterQuery } from "grammy";
import type { Message } from "grammy/types";
import type { BotContext } from "../context.js";
import type { BotDeps } from "../deps.js";
import { findMedia, type MediaRef } from "../files.js";
import { replyParams } from "../format/send.js";
import { ownerOf, type Steps } from "../steps.js";

/** Messages that carry a file the bot may read or listen to. */
const MEDIA_MESSAGES = [
  "message:photo",
  "message:document",
  "message:voice",
  "message:audio",
  "message:video",
  "message:video_note",
] satisfies FilterQuery[];

/** Files whose result the bot remembers (per process), for questions in reply to the file. */
const REMEMBERED_FILES = 2000;

export function media(deps: BotDeps, steps: Steps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  /**
   * "chat:message" of a file read → its stored result, newest last: a question in reply to
   * the file asks about that result without reading it again. After a restart, or beyond
   * the newest {@link REMEMBERED_FILES}, the file is read again.
   */
  const fileResults = new Map<string, number>();
  const remember = (ctx: BotContext, replyTo: number | undefined, resultId?: number) => {
    const messageId = replyTo ?? ctx.msg?.message_id;
    if (resultId === undefined || messageId === undefined) return;
    fileResults.set(`${ctx.chat!.id}:${messageId}`, resultId);
    if (fileResults.size > REMEMBERED_FILES)
      fileResults.delete(fileResults.keys().next().value as string);
  };

  const recognize = async (
    ctx: BotContext,
    ref: MediaRef,
    replyTo?: number,
  ): Promise<number | undefined> => {
    const input = await steps.download(ctx, ref);
    const result = await steps.withProgress(
      ctx,
      { action: "typing", replyTo, initial: ctx.t("progress-working") },
      (onProgress, signal) =>
        deps.jobs.recognize({
          owner: ownerOf(ctx),
          input,
          kind: ref.kind === "pdf" ? "pdf" : "image",
          normalize: ctx.settings.normalize,
          mode: ctx.settings.readingMode ?? deps.defaultReadingMode,
          // A picture can be read again as a table (the 📊 button); a PDF can't.
          ...(ref.kind === "image" ? { sourceFileId: ref.fileId } : {}),
          onProgress,
          signal,
        }),
    );
    remember(ctx, replyTo, result.resultId);
    if (result.fallback) await ctx.reply(ctx.t("vision-fallback"), replyParams(replyTo));
    if (!result.text.trim()) {
      await ctx.reply(ctx.t("ocr-empty"), replyParams(replyTo));
    } else {
      await steps.sendRecognized(
        ctx,
        { text: result.text, resultId: result.resultId, table: ref.kind === "image", ask: true },
        { replyTo, fileName: "text.txt" },
      );
    }
    if (result.skippedPages > 0) {
      await ctx.reply(
        ctx.t("ocr-pages-skipped", {
          read: result.pages,
          total: result.pages + result.skippedPages,
        }),
        replyParams(replyTo),
      );
    }
    if (result.unreadablePages) {
      await ctx.reply(
        ctx.t("ocr-pages-unreadable", { pages: result.unreadablePages.join(", ") }),
        replyParams(replyTo),
      );
    }
    return result.resultId;
  };

  const transcribe = async (
    ctx: BotContext,
    ref: MediaRef,
    replyTo?: number,
  ): Promise<{ text: string; resultId?: number }> => {
    const input = await steps.download(ctx, ref);
    const transcript = await steps.withProgress(
      ctx,
      { action: "typing", replyTo, initial: ctx.t("progress-transcribing") },
      (onProgress, signal) =>
        deps.jobs.transcribe({
          owner: ownerOf(ctx),
          input,
          normalize: ctx.settings.normalize,
          onProgress,
          signal,
        }),
    );
    remember(ctx, replyTo, transcript.resultId);
    if (!transcript.text.trim()) {
      await ctx.reply(ctx.t("transcript-empty"), replyParams(replyTo));
      return { text: "" };
    }
    const { text, resultId, segments } = transcript;
    await steps.sendRecognized(
      ctx,
      { text, resultId, subtitles: segments.length > 0, ask: true },
      {
        replyTo,
        label: ctx.t("transcript-label"),
        fileName: "transcript.txt",
      },
    );
    return { text, ...(resultId === undefined ? {} : { resultId }) };
  };

  /** The media this command is about: attached to it, or in the message it replies to. */
  const target = (ctx: BotContext) => findMedia(ctx.msg) ?? findMedia(ctx.msg?.reply_to_message);

  /** A command about media: run `action` on it, or explain the command with `usageKey`. */
  const mediaCommand =
    (
      accepts: (kind: MediaRef["kind"]) => boolean,
      usageKey: string,
      action: (ctx: BotContext, ref: MediaRef, replyTo?: number) => Promise<unknown>,
    ) =>
    async (ctx: BotContext) => {
      const ref = target(ctx);
      const replyTo = ctx.msg?.message_id;
      if (!ref || "unsupported" in ref || !accepts(ref.kind)) {
        await ctx.reply(ctx.t(usageKey), replyParams(replyTo));
        return;
      }
      await action(ctx, ref, ctx.msg?.reply_to_message?.message_id ?? replyTo);
    };
  const ocrCommand = mediaCommand((kind) => kind !== "audio", "ocr-usage", recognize);
  const transcribeCommand = mediaCommand(
    (kind) => kind === "audio",
    "transcribe-usage",
    transcribe,
  );

  /**
   * A question in reply to a PDF or a recording (pictures are the vision model's): about the
   * result it was read into, read now when the bot doesn't remember one; without a question,
   * that result becomes the conversation's document.
   */
  const askAboutFile = async (ctx: BotContext, file: Message, question: string) => {
    const ref = findMedia(file);
    if (!ref || "unsupported" in ref || ref.kind === "image") return false;
    const replyTo = ctx.msg?.message_id;
    const resultId =
      fileResults.get(`${ctx.chat!.id}:${file.message_id}`) ??
      (ref.kind === "audio"
        ? (await transcribe(ctx, ref, file.message_id)).resultId
        : await recognize(ctx, ref, file.message_id));
    if (resultId === undefined) return true;
    if (question) await steps.askDocument(ctx, question, resultId, replyTo);
    else await steps.chooseDocument(ctx, resultId, replyTo);
    return true;
  };

  composer.command("ocr", ocrCommand);
  composer.command("transcribe", transcribeCommand);
  // grammY matches commands in text only; "/ocr" as the caption of a photo counts too.
  composer.on(MEDIA_MESSAGES, async (ctx, next) => {
    const command = captionCommand(ctx.msg as Message, ctx.me.username);
    if (command === "ocr") return ocrCommand(ctx);
    if (command === "transcribe") return transcribeCommand(ctx);
    return next();
  });

  composer.command("ask", async (ctx, next) => {
    const file = ctx.msg.reply_to_message;
    if (!file || !(await askAboutFile(ctx, file, ctx.match.trim()))) return next();
  });
  // In a private chat a plain reply to a file asks about it too.
  composer.chatType("private").on("message:text", async (ctx, next) => {
    const file = ctx.msg.reply_to_message;
    if (ctx.msg.text.startsWith("/") || !file) return next();
    if (!(await askAboutFile(ctx, file, ctx.msg.text.trim()))) return next();
  });

  composer.command("speak", async (ctx) => {
    const replied = ctx.msg.reply_to_message;
    const text = ctx.match.trim() || replied?.text || replied?.caption || "";
    if (!text.trim()) {
      await ctx.reply(ctx.t("speak-usage"), replyParams(ctx.msg.message_id));
      return;
    }
    await steps.speak(ctx, text, replied?.message_id ?? ctx.msg.message_id);
  });

  const inPrivate = composer.chatType("private");
  inPrivate.on(MEDIA_MESSAGES, async (ctx) => {
    const ref = findMedia(ctx.msg as Message);
    if (!ref) return;
    if ("unsupported" in ref) {
      await ctx.reply(ctx.t("unsupported-document", { type: ref.unsupported }));
      return;
    }
    if (ref.kind !== "audio") {
      await recognize(ctx, ref);
      return;
    }
    const { text } = await transcribe(ctx, ref);
    if (!text) return;
    const answer = await steps.answer(ctx, text, "voice");
    if (ctx.settings.voiceReplies !== "off" && answer) await steps.speakOptional(ctx, answer);
  });

  return composer;
}

/** The command at the start of a media caption ("/ocr" or "/ocr@this_bot"), if any. */
export function captionCommand(message: Message, botUsername: string): string | undefined {
  const entity = message.caption_entities?.find((e) => e.type === "bot_command" && e.offset === 0);
  if (!entity || !message.caption) return undefined;
  const [name, target] = message.caption.slice(1, entity.length).split("@");
  if (target && target.toLowerCase() !== botUsername.toLowerCase()) return undefined;
  return name?.toLowerCase();
}
