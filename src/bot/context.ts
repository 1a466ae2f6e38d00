import type { I18nFlavor } from "@grammyjs/i18n";
import type { Context } from "grammy";
import type { Logger } from "pino";
import type { UserSettings } from "../memory/index.js";

/** What every update's context carries besides grammY's own fields. */
export interface BotExtras {
  /** A logger bound to this update (update id, chat id, user id). */
  log: Logger;
  /** The sender's stored settings (defaults when they never changed any). */
  settings: UserSettings;
}

export type BotContext = Context & I18nFlavor & BotExtras;
