/**
 * The buttons under results (✨ Summary, 🌐 Translate, 🔊 Read aloud, 📄 As file,
 * 🎬 Subtitles) and the ✖ Cancel button under a job's status message. Results are read
 * back from the store by id, so the buttons work after a restart; only the person who
 * asked may press them.
 */
import { Composer, InputFile } from "grammy";
import type { StoredResult } from "../../memory/index.js";
import type { CancelRegistry } from "../cancel.js";
import { parseCancelData } from "../cancel.js";
import type { BotContext } from "../context.js";
import type { BotDeps } from "../deps.js";
import { toSrt } from "../../shared/subtitles.js";
import { sendMarkdown } from "../format/send.js";
import { pickLanguage } from "../i18n.js";
import { ownerOf, type Steps } from "../steps.js";
import { parseResultData, type ResultAction } from "../result-buttons.js";
import { sendTable } from "./table.js";

/** The language to translate into: the other of Russian and English, else the user's. */
export function translationTarget(textLanguage: string, userLanguage: string): string {
  if (textLanguage === "ru") return "en";
  if (textLanguage === "en") return "ru";
  return userLanguage;
}

const FILE_NAMES: Record<StoredResult["kind"], string> = {
  ocr: "text",
  transcript: "transcript",
  answer: "answer",
};

export function actions(
  deps: BotDeps,
  steps: Steps,
  cancels: CancelRegistry,
): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  const run = async (ctx: BotContext, action: ResultAction, result: StoredResult) => {
    const replyTo = ctx.callbackQuery?.message?.message_id;
    const chatId = ctx.chat!.id;
    const owner = ownerOf(ctx);
    switch (action) {
      case "sum":
      case "tr": {
        const text = await steps.withProgress(
          ctx,
          { action: "typing", replyTo, initial: ctx.t("progress-working") },
          (onProgress, signal) =>
            action === "sum"
              ? deps.jobs.summarize({
                  owner,
                  text: result.text,
                  lang: result.language,
                  onProgress,
                  signal,
                })
              : deps.jobs.translate({
                  owner,
                  text: result.text,
                  to: translationTarget(
                    result.language,
                    pickLanguage(ctx.settings, ctx.from?.language_code),
                  ),
                  onProgress,
                  signal,
                }),
        );
        await sendMarkdown(ctx.api, chatId, text || "…", { replyTo });
        return;
      }
      case "tts":
        await steps.speak(
          ctx,
          result.text,
          replyTo,
          result.language === "ru" || result.language === "en" ? result.language : undefined,
        );
        return;
      case "file":
        await ctx.api.sendDocument(
          chatId,
          new InputFile(Buffer.from(result.text, "utf8"), `${FILE_NAMES[result.kind]}.txt`),
          { reply_parameters: { message_id: replyTo!, allow_sending_without_reply: true } },
        );
        return;
      case "tbl":
        // The picture is downloaded again by its reference: its bytes were never kept.
        if (!result.sourceFileId) {
          await ctx.reply(ctx.t("button-invalid"));
          return;
        }
        await sendTable(ctx, deps, steps, { kind: "image", fileId: result.sourceFileId }, replyTo);
        return;
      case "ask":
        await steps.chooseDocument(ctx, result.id, replyTo);
        return;
      case "srt": {
        const end = Math.max(0, ...result.segments.map((segment) => segment.endS));
        const srt = toSrt(result.segments, end);
        if (!srt) {
          await ctx.reply(ctx.t("action-no-subtitles"));
          return;
        }
        await ctx.api.sendDocument(
          chatId,
          new InputFile(Buffer.from(srt, "utf8"), "subtitles.srt"),
          { reply_parameters: { message_id: replyTo!, allow_sending_without_reply: true } },
        );
        return;
      }
    }
  };

  composer.callbackQuery(/^res:/, async (ctx) => {
    const parsed = parseResultData(ctx.callbackQuery.data);
    const result = parsed && deps.store.results.get(parsed.resultId);
    if (parsed && !result && deps.store.results.wasIssued(parsed.resultId)) {
      // Pruned for its age or the size cap (or forgotten): say so, not "invalid button".
      const days = deps.resultsKeptDays ?? 0;
      await ctx.answerCallbackQuery(
        days > 0 ? ctx.t("action-gone-kept", { days }) : ctx.t("action-gone"),
      );
      return;
    }
    if (!parsed || !result || result.chatId !== ctx.chat?.id) {
      await ctx.answerCallbackQuery(ctx.t("button-invalid"));
      return;
    }
    // Anyone in the chat may ask about a result posted there, in their own thread.
    if (result.userId !== ctx.from.id && parsed.action !== "ask") {
      await ctx.answerCallbackQuery(ctx.t("action-not-yours"));
      return;
    }
    if (deps.clock.now() - result.createdAt > deps.resultMaxAgeMs) {
      await ctx.answerCallbackQuery(ctx.t("action-expired"));
      return;
    }
    await ctx.answerCallbackQuery();
    ctx.log.info({ action: parsed.action, resultId: result.id }, "result action");
    await run(ctx, parsed.action, result);
  });

  composer.callbackQuery(/^cancel:/, async (ctx) => {
    const id = parseCancelData(ctx.callbackQuery.data);
    const outcome = id ? cancels.cancel(id, ctx.from.id) : "unknown";
    const answers = {
      cancelled: "cancel-pressed",
      "not-yours": "cancel-not-yours",
      unknown: "button-invalid",
    } as const;
    await ctx.answerCallbackQuery(ctx.t(answers[outcome]));
  });

  // Any other button nobody handled (a menu from before a restart, forged data).
  composer.on("callback_query:data", (ctx) => ctx.answerCallbackQuery(ctx.t("button-invalid")));

  return composer;
}
