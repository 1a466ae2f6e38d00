/**
 * /export: everything stored about the user as a JSON file, and their conversations as a
 * readable Markdown file. Private chats only: the files hold a whole history.
 */
import { Composer, InputFile } from "grammy";
import { isEmptyExport, type UserExport } from "../../memory/index.js";
import type { BotContext } from "../context.js";
import type { BotDeps } from "../deps.js";
import type { Translate } from "../progress.js";

function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").slice(0, 16);
}

/** The conversations as Markdown: one section per chat and conversation, turns in order. */
export function conversationsMarkdown(data: UserExport, t: Translate): string {
  const lines = [`# ${t("export-md-title")}`, ""];
  let section = "";
  for (const turn of data.history) {
    const key = `${turn.chatId}:${turn.conversation}`;
    if (key !== section) {
      section = key;
      const where = turn.chatId === data.userId ? t("export-md-private") : String(turn.chatId);
      lines.push(
        `## ${t("export-md-conversation", { chat: where, number: turn.conversation + 1 })}`,
        "",
      );
    }
    const who = turn.role === "user" ? t("export-md-you") : t("export-md-bot");
    lines.push(`**${who}** · ${isoTime(turn.createdAt)} UTC · ${turn.kind}`, "", turn.text, "");
  }
  return lines.join("\n");
}

export function exportCommand(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command("export", async (ctx) => {
    if (ctx.chat.type !== "private") {
      await ctx.reply(ctx.t("export-private-only"));
      return;
    }
    const data = deps.store.exporter.export(ctx.from!.id);
    if (isEmptyExport(data)) {
      await ctx.reply(ctx.t("export-empty"));
      return;
    }
    ctx.log.info({ turns: data.history.length, results: data.results.length }, "data exported");
    await ctx.replyWithDocument(
      new InputFile(Buffer.from(JSON.stringify(data, null, 2), "utf8"), "my-data.json"),
      { caption: ctx.t("export-caption") },
    );
    if (data.history.length > 0) {
      await ctx.replyWithDocument(
        new InputFile(Buffer.from(conversationsMarkdown(data, ctx.t), "utf8"), "conversations.md"),
      );
    }
  });
  return composer;
}
