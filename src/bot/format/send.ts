import { GrammyError, InputFile, type Api } from "grammy";
import type { InlineKeyboardMarkup, Message } from "grammy/types";
import { markdownToTelegramHtml } from "./markdown.js";
import { splitText } from "./split.js";

/** Telegram rejected our HTML: resend the same words as plain text. */
export function isParseError(error: unknown): boolean {
  return (
    error instanceof GrammyError &&
    error.error_code === 400 &&
    /can't parse entities|unsupported start tag|can't find end tag|unexpected end tag/i.test(
      error.description,
    )
  );
}

export interface SendOptions {
  replyTo?: number;
  /** Buttons under the last message sent. */
  markup?: InlineKeyboardMarkup;
}

/** `reply_markup` for the last of `count` pieces. */
function markupAt(index: number, count: number, markup: InlineKeyboardMarkup | undefined) {
  return markup && index === count - 1 ? { reply_markup: markup } : {};
}

/** Reply parameters that still send when the original message was deleted meanwhile. */
export function replyParams(replyTo: number | undefined) {
  return replyTo
    ? { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } }
    : {};
}

/**
 * Sends a model's Markdown answer as Telegram HTML, split at paragraph boundaries into
 * messages that fit; any piece Telegram refuses to parse goes again as plain text.
 */
export async function sendMarkdown(
  api: Api,
  chatId: number,
  markdown: string,
  options: SendOptions = {},
): Promise<Message[]> {
  const sent: Message[] = [];
  const pieces = splitText(markdown);
  for (const [index, piece] of pieces.entries()) {
    const extra = {
      ...replyParams(options.replyTo),
      ...markupAt(index, pieces.length, options.markup),
    };
    try {
      sent.push(
        await api.sendMessage(chatId, markdownToTelegramHtml(piece) || piece, {
          parse_mode: "HTML",
          ...extra,
        }),
      );
    } catch (error) {
      if (!isParseError(error)) throw error;
      sent.push(await api.sendMessage(chatId, piece, extra));
    }
  }
  return sent;
}

/** Replaces a message's text with a Markdown answer, falling back to plain text. */
export async function editToMarkdown(
  api: Api,
  chatId: number,
  messageId: number,
  markdown: string,
  markup?: InlineKeyboardMarkup,
): Promise<void> {
  const extra = markup ? { reply_markup: markup } : {};
  try {
    await api.editMessageText(chatId, messageId, markdownToTelegramHtml(markdown) || markdown, {
      parse_mode: "HTML",
      ...extra,
    });
  } catch (error) {
    if (isMessageNotModified(error)) return;
    if (!isParseError(error)) throw error;
    await api.editMessageText(chatId, messageId, markdown, extra).catch((retry: unknown) => {
      if (!isMessageNotModified(retry)) throw retry;
    });
  }
}

export function isMessageNotModified(error: unknown): boolean {
  return error instanceof GrammyError && /message is not modified/i.test(error.description);
}

/** More than this many messages' worth of text goes out as a file instead. */
export const MAX_MESSAGES_BEFORE_FILE = 3;
const PREVIEW_CHARS = 600;

/**
 * Sends recognized text (OCR, transcripts) as plain messages, or, when it would take
 * more than a few messages, as a `.txt` file with a short preview in the caption.
 */
export async function sendLongText(
  api: Api,
  chatId: number,
  text: string,
  options: SendOptions & { fileName: string; fileIntro: (chars: number) => string },
): Promise<void> {
  const pieces = splitText(text);
  if (pieces.length <= MAX_MESSAGES_BEFORE_FILE) {
    for (const [index, piece] of pieces.entries()) {
      await api.sendMessage(chatId, piece, {
        ...replyParams(options.replyTo),
        ...markupAt(index, pieces.length, options.markup),
      });
    }
    return;
  }
  const preview = text.slice(0, PREVIEW_CHARS).replace(/\s+\S*$/, "");
  const caption = `${options.fileIntro(text.length)}\n\n${preview}…`.slice(0, 1024);
  await api.sendDocument(chatId, new InputFile(Buffer.from(text, "utf8"), options.fileName), {
    caption,
    ...replyParams(options.replyTo),
    ...markupAt(0, 1, options.markup),
  });
}
