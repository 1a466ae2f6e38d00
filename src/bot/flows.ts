/**
 * Multi-step flows built with @grammyjs/conversations: the /settings menu and the
 * /forget confirmation. Their state lives in SQLite, so a restart in the middle of a
 * flow resumes it instead of leaving dead buttons.
 */
import {
  conversations,
  createConversation,
  type Conversation,
  type ConversationData,
  type VersionedState,
} from "@grammyjs/conversations";
import { InlineKeyboard, type Context, type Middleware } from "grammy";
import type { Store, UserSettings } from "../memory/index.js";
import type { BotContext, FlowContext } from "./context.js";

type Flow = Conversation<BotContext, FlowContext>;

const NAMESPACE = "conversations";
/** A flow nobody answers for this long ends by itself. */
const FLOW_TIMEOUT_MS = 15 * 60_000;

function flowKey(ctx: Context): string | undefined {
  return ctx.chat && ctx.from ? `${ctx.chat.id}:${ctx.from.id}` : undefined;
}

/** Conversation state in the kv table, owned by the user so /forget removes it too. */
export function flowStorage(store: Store) {
  return {
    type: "context" as const,
    adapter: {
      read: (ctx: BotContext) => {
        const key = flowKey(ctx);
        return key ? store.kv.get<VersionedState<ConversationData>>(NAMESPACE, key) : undefined;
      },
      write: (ctx: BotContext, state: VersionedState<ConversationData>) => {
        const key = flowKey(ctx);
        if (key) store.kv.set(NAMESPACE, key, state, ctx.from?.id);
      },
      delete: (ctx: BotContext) => {
        const key = flowKey(ctx);
        if (key) store.kv.delete(NAMESPACE, key);
      },
    },
  };
}

const CYCLES: { [K in keyof UserSettings]: readonly UserSettings[K][] } = {
  language: [null, "ru", "en"],
  voiceReplies: ["off", "voice", "always"],
  ttsVoice: ["auto", "espeak"],
  normalize: [true, false],
};

type SettingName = keyof UserSettings;

function next<K extends SettingName>(settings: UserSettings, name: K): UserSettings[K] {
  const values = CYCLES[name];
  return values[(values.indexOf(settings[name]) + 1) % values.length]!;
}

function settingsText(ctx: FlowContext, settings: UserSettings): string {
  return ctx.t("settings-title", {
    language: ctx.t(`settings-language-${settings.language ?? "auto"}`),
    voice: ctx.t(`settings-voice-${settings.voiceReplies}`),
    ttsVoice: ctx.t(`settings-tts-${settings.ttsVoice}`),
    normalize: ctx.t(settings.normalize ? "settings-on" : "settings-off"),
  });
}

function settingsKeyboard(ctx: FlowContext): InlineKeyboard {
  return new InlineKeyboard()
    .text(ctx.t("settings-btn-language"), "settings:language")
    .text(ctx.t("settings-btn-voice"), "settings:voiceReplies")
    .row()
    .text(ctx.t("settings-btn-tts"), "settings:ttsVoice")
    .text(ctx.t("settings-btn-normalize"), "settings:normalize")
    .row()
    .text(ctx.t("settings-btn-done"), "settings:done");
}

function settingsFlow(store: Store) {
  return async (conversation: Flow, ctx: FlowContext) => {
    const userId = ctx.from!.id;
    let settings = await conversation.external(() => store.settings.get(userId));
    await ctx.reply(settingsText(ctx, settings), {
      parse_mode: "HTML",
      reply_markup: settingsKeyboard(ctx),
    });
    for (;;) {
      const press = await conversation.waitForCallbackQuery(/^settings:/, {
        maxMilliseconds: FLOW_TIMEOUT_MS,
      });
      if (press.from.id !== userId) {
        await press.answerCallbackQuery();
        continue;
      }
      const choice = press.callbackQuery.data.slice("settings:".length);
      if (choice === "done") {
        await press.answerCallbackQuery(press.t("settings-saved"));
        await press.editMessageReplyMarkup();
        return;
      }
      if (!(choice in CYCLES)) {
        await press.answerCallbackQuery();
        continue;
      }
      const name = choice as SettingName;
      settings = await conversation.external(() =>
        store.settings.update(userId, { [name]: next(settings, name) }),
      );
      // The menu follows a language change at once.
      press.i18n.useLocale(settings.language ?? (await press.i18n.getLocale()));
      await press.answerCallbackQuery();
      await press.editMessageText(settingsText(press, settings), {
        parse_mode: "HTML",
        reply_markup: settingsKeyboard(press),
      });
    }
  };
}

function forgetFlow(store: Store) {
  return async (conversation: Flow, ctx: FlowContext) => {
    const userId = ctx.from!.id;
    const keyboard = new InlineKeyboard()
      .text(ctx.t("forget-yes"), "forget:yes")
      .text(ctx.t("forget-no"), "forget:no");
    await ctx.reply(ctx.t("forget-confirm"), { reply_markup: keyboard });
    for (;;) {
      const press = await conversation.waitForCallbackQuery(/^forget:/, {
        maxMilliseconds: FLOW_TIMEOUT_MS,
      });
      if (press.from.id !== userId) {
        await press.answerCallbackQuery();
        continue;
      }
      await press.answerCallbackQuery();
      if (press.callbackQuery.data === "forget:yes") {
        await conversation.external(() => store.forgetUser(userId));
        await press.editMessageText(press.t("forget-done"));
      } else {
        await press.editMessageText(press.t("forget-cancelled"));
      }
      return;
    }
  };
}

/**
 * Installs the conversations plugin and both flows. `plugins` are the middlewares a
 * flow's context needs (settings and i18n), since flows build contexts of their own.
 */
export function flows(store: Store, plugins: Middleware<FlowContext>[]): Middleware<BotContext>[] {
  return [
    conversations<BotContext, FlowContext>({ storage: flowStorage(store) }),
    createConversation(settingsFlow(store), { id: "settings", plugins }),
    createConversation(forgetFlow(store), { id: "forget", plugins }),
  ];
}
