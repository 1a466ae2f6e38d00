import path from "node:path";
import { fileURLToPath } from "node:url";
import { I18n } from "@grammyjs/i18n";
import type { Context } from "grammy";
import type { UiLanguage, UserSettings } from "../memory/index.js";

export const LOCALES: readonly UiLanguage[] = ["en", "ru"];
const LOCALES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "locales");

/**
 * The user's language: their setting, else their Telegram language when we speak it
 * (Ukrainian and Belarusian users get Russian rather than English), else English.
 */
export function pickLanguage(
  settings: UserSettings | undefined,
  telegramLanguage: string | undefined,
): UiLanguage {
  if (settings?.language) return settings.language;
  const base = telegramLanguage?.toLowerCase().split("-")[0];
  if (base === "ru" || base === "uk" || base === "be") return "ru";
  return "en";
}

export function createI18n<C extends Context & { settings?: UserSettings }>(): I18n<C> {
  const i18n = new I18n<C>({
    defaultLocale: "en",
    // Bidi isolation marks around placeables would show up in Telegram as stray characters.
    fluentBundleOptions: { useIsolating: false },
    localeNegotiator: (ctx) => pickLanguage(ctx.settings, ctx.from?.language_code),
  });
  i18n.loadLocalesDirSync(LOCALES_DIR);
  return i18n;
}
