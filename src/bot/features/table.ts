/**
 * A picture turned into a table: shown as a monospace table that fits one message, and
 * attached as .md and .csv files. Used by /table and by the 📊 Table button.
 */
import { InputFile } from "grammy";
import type { BotContext } from "../context.js";
import type { BotDeps } from "../deps.js";
import { escapeHtml } from "../format/markdown.js";
import { replyParams } from "../format/send.js";
import { renderMonospaceTable } from "../format/table.js";
import type { MediaRef } from "../files.js";
import { ownerOf, type Steps } from "../steps.js";

export async function sendTable(
  ctx: BotContext,
  deps: BotDeps,
  steps: Steps,
  ref: MediaRef,
  replyTo?: number,
): Promise<void> {
  const input = await steps.download(ctx, ref);
  const table = await steps.withProgress(
    ctx,
    { action: "typing", replyTo, initial: ctx.t("progress-table") },
    (onProgress, signal) => deps.jobs.table({ owner: ownerOf(ctx), input, onProgress, signal }),
  );
  const shown = renderMonospaceTable(table.rows);
  const note = shown.cut ? `\n${escapeHtml(ctx.t("table-cut"))}` : "";
  await ctx.reply(`<pre>${escapeHtml(shown.text)}</pre>${note}`, {
    parse_mode: "HTML",
    ...replyParams(replyTo),
  });
  const chatId = ctx.chat!.id;
  const files = [
    new InputFile(Buffer.from(table.markdown, "utf8"), "table.md"),
    new InputFile(Buffer.from(table.csv, "utf8"), "table.csv"),
  ];
  for (const file of files) await ctx.api.sendDocument(chatId, file, replyParams(replyTo));
}
