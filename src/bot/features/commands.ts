/** /start, /help, /reset and the admin-only /status (/settings and /forget: flows.ts; /export: its own file). */
import { Composer, type Api } from "grammy";
import type { BotCommand } from "grammy/types";
import { telegramOwner } from "../../jobs/index.js";
import type { BotContext } from "../context.js";
import type { BotDeps } from "../deps.js";
import { escapeHtml } from "../format/markdown.js";
import { LOCALES } from "../i18n.js";
import { formatStatus } from "../status.js";
import type { I18n } from "@grammyjs/i18n";

export function commands(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  composer.command("start", (ctx) =>
    ctx.reply(ctx.t("start", { name: escapeHtml(ctx.from?.first_name ?? "") }), {
      parse_mode: "HTML",
    }),
  );
  composer.command("help", (ctx) => ctx.reply(ctx.t("help"), { parse_mode: "HTML" }));
  composer.command("reset", async (ctx) => {
    if (!ctx.from) return;
    deps.jobs.reset(telegramOwner(ctx.chat, ctx.from.id));
    await ctx.reply(ctx.t("reset-done"));
  });
  composer.command("status", async (ctx) => {
    // Checked on every call: the command menu is a convenience, not a permission.
    if (!ctx.from || !deps.adminIds.includes(ctx.from.id)) {
      ctx.log.info("non-admin asked for /status");
      await ctx.reply(ctx.t("status-denied"));
      return;
    }
    await ctx.reply(formatStatus(deps.status.snapshot(), ctx.t), { parse_mode: "HTML" });
  });

  return composer;
}

const PRIVATE_COMMANDS = [
  "start",
  "help",
  "settings",
  "reset",
  "ocr",
  "transcribe",
  "table",
  "speak",
  "ask",
  "export",
  "forget",
];
const GROUP_COMMANDS = ["ocr", "transcribe", "table", "speak", "ask", "settings", "reset", "help"];

/**
 * Registers the command menus: private chats, groups, and private chats of admins
 * (with /status), each in English (the default) and Russian.
 */
export async function registerCommands(
  api: Api,
  i18n: I18n<BotContext>,
  adminIds: readonly number[],
): Promise<void> {
  const menu = (names: string[], locale: string): BotCommand[] =>
    names.map((command) => ({ command, description: i18n.t(locale, `cmd-${command}`) }));
  for (const locale of LOCALES) {
    const language = locale === "en" ? {} : { language_code: locale };
    await api.setMyCommands(menu(PRIVATE_COMMANDS, locale), {
      scope: { type: "all_private_chats" },
      ...language,
    });
    await api.setMyCommands(menu(GROUP_COMMANDS, locale), {
      scope: { type: "all_group_chats" },
      ...language,
    });
    for (const adminId of adminIds) {
      await api.setMyCommands(menu([...PRIVATE_COMMANDS, "status"], locale), {
        scope: { type: "chat", chat_id: adminId },
        ...language,
      });
    }
  }
}
