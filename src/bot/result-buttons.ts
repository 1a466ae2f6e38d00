/**
 * The buttons under a result (recognized text, a transcript, a long answer). The result
 * itself is stored server-side; a button carries only `res:<action>:<result id>`, and
 * anything that doesn't parse exactly is refused as a stale button.
 */
import { InlineKeyboard } from "grammy";
import type { Message } from "grammy/types";
import type { Translate } from "./progress.js";

export const RESULT_ACTIONS = ["sum", "tr", "tts", "file", "srt", "tbl", "ask"] as const;
export type ResultAction = (typeof RESULT_ACTIONS)[number];

const RESULT_DATA = new RegExp(`^res:(${RESULT_ACTIONS.join("|")}):([1-9][0-9]{0,14})$`);

export function resultData(action: ResultAction, resultId: number): string {
  return `res:${action}:${resultId}`;
}

/** `{ action, resultId }` from a button's callback data, or undefined if it isn't one of ours. */
export function parseResultData(
  data: string | undefined,
): { action: ResultAction; resultId: number } | undefined {
  const match = data === undefined ? null : RESULT_DATA.exec(data);
  if (!match) return undefined;
  return { action: match[1] as ResultAction, resultId: Number(match[2]) };
}

/**
 * ✨ Summary · 🌐 Translate / 🔊 Read aloud · 📄 As file (· 🎬 Subtitles) (/ 📊 Table)
 * (/ 💬 Ask).
 */
export function resultKeyboard(
  t: Translate,
  resultId: number,
  options: { subtitles: boolean; table?: boolean; ask?: boolean },
): InlineKeyboard {
  const keyboard = new InlineKeyboard()
    .text(t("action-summary"), resultData("sum", resultId))
    .text(t("action-translate"), resultData("tr", resultId))
    .row()
    .text(t("action-read-aloud"), resultData("tts", resultId))
    .text(t("action-file"), resultData("file", resultId));
  if (options.subtitles) keyboard.text(t("action-subtitles"), resultData("srt", resultId));
  // Under text read from a picture: the same picture again, as a table.
  if (options.table) keyboard.row().text(t("action-table"), resultData("tbl", resultId));
  // Under recognized text and transcripts: questions about it, answered with its pages or times.
  if (options.ask) keyboard.row().text(t("action-ask"), resultData("ask", resultId));
  return keyboard;
}

/**
 * The stored result a message offers questions about, read from its 💬 Ask button (a reply
 * to it asks about it); undefined for any other message, a long chat answer included (a
 * reply to that goes on with the conversation).
 */
export function resultIdOfMessage(message: Pick<Message, "reply_markup">): number | undefined {
  for (const row of message.reply_markup?.inline_keyboard ?? []) {
    for (const button of row) {
      const parsed = parseResultData("callback_data" in button ? button.callback_data : undefined);
      if (parsed?.action === "ask") return parsed.resultId;
    }
  }
  return undefined;
}
