/**
 * The /settings menu and the /forget confirmation, as stateless inline keyboards. A
 * button's data names one action from a fixed list and the user the menu belongs to; the
 * settings themselves live in SQLite. So a menu keeps working after a restart, and an open
 * menu never holds the chat: any other message is handled as usual meanwhile.
 */
import { Composer, InlineKeyboard } from "grammy";
import type { ReadingMode, Store, UserSettings } from "../memory/index.js";
import type { BotContext } from "./context.js";

const CYCLES: { [K in keyof UserSettings]: readonly UserSettings[K][] } = {
  language: [null, "ru", "en"],
  voiceReplies: ["off", "voice", "always"],
  ttsVoice: ["auto", "espeak"],
  normalize: [true, false],
  // Null (the bot's default) is shown as the mode it stands for; a press picks the other.
  readingMode: ["fast", "accurate"],
};

type SettingName = keyof UserSettings;

/** Every action a menu button may carry; callback data naming anything else is refused. */
const SETTINGS_ACTIONS = [
  "language",
  "voiceReplies",
  "ttsVoice",
  "normalize",
  "readingMode",
  "done",
] as const;
const FORGET_ACTIONS = ["yes", "no"] as const;

export type MenuPress =
  | { menu: "settings"; action: (typeof SETTINGS_ACTIONS)[number]; ownerId: number }
  | { menu: "forget"; action: (typeof FORGET_ACTIONS)[number]; ownerId: number };

const DATA = /^(settings|forget):([A-Za-z]{1,20})(?::(\d{1,15}))?$/;

function isOneOf<T extends string>(values: readonly T[], value: string): value is T {
  return (values as readonly string[]).includes(value);
}

/**
 * Parses a button's data: `menu:action:ownerId`. Menus sent before owners were part of the
 * data (`menu:action`) still work in private chats, whose owner is the chat. Anything
 * else, forged data included, is undefined.
 */
export function parseMenuData(data: string, privateChatId?: number): MenuPress | undefined {
  const match = DATA.exec(data);
  if (!match) return undefined;
  const [, menu, action = "", owner] = match;
  const ownerId = owner === undefined ? privateChatId : Number(owner);
  if (ownerId === undefined) return undefined;
  if (menu === "settings" && isOneOf(SETTINGS_ACTIONS, action)) return { menu, action, ownerId };
  if (menu === "forget" && isOneOf(FORGET_ACTIONS, action)) return { menu, action, ownerId };
  return undefined;
}

function next<K extends SettingName>(settings: UserSettings, name: K): UserSettings[K] {
  const values = CYCLES[name];
  return values[(values.indexOf(settings[name]) + 1) % values.length]!;
}

function settingsText(ctx: BotContext, settings: UserSettings): string {
  return ctx.t("settings-title", {
    language: ctx.t(`settings-language-${settings.language ?? "auto"}`),
    voice: ctx.t(`settings-voice-${settings.voiceReplies}`),
    ttsVoice: ctx.t(`settings-tts-${settings.ttsVoice}`),
    normalize: ctx.t(settings.normalize ? "settings-on" : "settings-off"),
    reading: ctx.t(`settings-reading-${settings.readingMode ?? "fast"}`),
  });
}

/** The user's settings with the bot's default reading mode filled in. */
function effective(settings: UserSettings, defaultReadingMode: ReadingMode): UserSettings {
  return { ...settings, readingMode: settings.readingMode ?? defaultReadingMode };
}

function settingsKeyboard(ctx: BotContext, ownerId: number): InlineKeyboard {
  const button = (label: string, action: (typeof SETTINGS_ACTIONS)[number]) =>
    InlineKeyboard.text(ctx.t(label), `settings:${action}:${ownerId}`);
  return InlineKeyboard.from([
    [button("settings-btn-language", "language"), button("settings-btn-voice", "voiceReplies")],
    [button("settings-btn-tts", "ttsVoice"), button("settings-btn-normalize", "normalize")],
    [button("settings-btn-reading", "readingMode"), button("settings-btn-done", "done")],
  ]);
}

async function pressSettings(
  ctx: BotContext,
  store: Store,
  action: (typeof SETTINGS_ACTIONS)[number],
  userId: number,
  defaultReadingMode: ReadingMode,
): Promise<void> {
  if (action === "done") {
    await ctx.answerCallbackQuery(ctx.t("settings-saved"));
    await ctx.editMessageReplyMarkup();
    return;
  }
  const current = effective(store.settings.get(userId), defaultReadingMode);
  const settings = store.settings.update(userId, { [action]: next(current, action) });
  // The menu follows a language change at once.
  ctx.i18n.useLocale(settings.language ?? (await ctx.i18n.getLocale()));
  await ctx.answerCallbackQuery();
  await ctx.editMessageText(settingsText(ctx, effective(settings, defaultReadingMode)), {
    parse_mode: "HTML",
    reply_markup: settingsKeyboard(ctx, userId),
  });
}

async function pressForget(
  ctx: BotContext,
  store: Store,
  action: (typeof FORGET_ACTIONS)[number],
  userId: number,
): Promise<void> {
  await ctx.answerCallbackQuery();
  if (action === "yes") {
    store.forgetUser(userId);
    await ctx.editMessageText(ctx.t("forget-done"));
  } else {
    await ctx.editMessageText(ctx.t("forget-cancelled"));
  }
}

/** /settings, /forget and their buttons; any other button press is told it is no longer valid. */
export function menus(store: Store, defaultReadingMode: ReadingMode): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  composer.command("settings", async (ctx) => {
    if (!ctx.from) return;
    const settings = effective(store.settings.get(ctx.from.id), defaultReadingMode);
    await ctx.reply(settingsText(ctx, settings), {
      parse_mode: "HTML",
      reply_markup: settingsKeyboard(ctx, ctx.from.id),
    });
  });

  composer.command("forget", async (ctx) => {
    if (!ctx.from) return;
    const keyboard = new InlineKeyboard()
      .text(ctx.t("forget-yes"), `forget:yes:${ctx.from.id}`)
      .text(ctx.t("forget-no"), `forget:no:${ctx.from.id}`);
    await ctx.reply(ctx.t("forget-confirm"), { reply_markup: keyboard });
  });

  // Other buttons (results, Cancel) belong to other features; unknown data ends there.
  composer.callbackQuery(/^(settings|forget):/, async (ctx) => {
    const privateChat = ctx.chat?.type === "private" ? ctx.chat.id : undefined;
    const press = parseMenuData(ctx.callbackQuery.data ?? "", privateChat);
    if (!press) {
      ctx.log.info({ data: ctx.callbackQuery.data }, "button with unknown data");
      await ctx.answerCallbackQuery(ctx.t("button-invalid"));
      return;
    }
    // Someone else's menu (in a group): nothing happens.
    if (press.ownerId !== ctx.from.id) {
      await ctx.answerCallbackQuery();
      return;
    }
    if (press.menu === "settings")
      await pressSettings(ctx, store, press.action, ctx.from.id, defaultReadingMode);
    else await pressForget(ctx, store, press.action, ctx.from.id);
  });

  return composer;
}
