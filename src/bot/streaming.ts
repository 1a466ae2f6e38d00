/**
 * Shows a chat answer while it is generated. Private chats get message drafts
 * (sendMessageDraft, animated by Telegram); groups, or chats where drafts fail, get a
 * placeholder message edited at a throttled pace. Either way the final answer is sent
 * as formatted HTML with a plain-text fallback.
 */
import type { Api } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import type { Clock } from "../shared/clock.js";
import {
  editToMarkdown,
  isMessageNotModified,
  replyParams,
  sendMarkdown,
  type SendOptions,
} from "./format/send.js";
import { MESSAGE_LIMIT, splitText } from "./format/split.js";

export interface StreamOptions extends SendOptions {
  clock: Clock;
  /** Drafts exist only in private chats. */
  useDrafts: boolean;
  /** Minimum time between two visible updates. */
  draftIntervalMs?: number;
  editIntervalMs?: number;
  /** Shown in the placeholder before the first words arrive. */
  placeholder?: string;
  /** Buttons for the final answer, given its whole text (none when undefined). */
  finalMarkup?: (text: string) => InlineKeyboardMarkup | undefined;
}

/** Streams `pieces` into the chat and returns the whole text. */
export async function streamAnswer(
  api: Api,
  chatId: number,
  pieces: AsyncIterable<string>,
  options: StreamOptions,
): Promise<string> {
  const drafts = options.useDrafts;
  const surface: Surface = drafts
    ? new DraftSurface(api, chatId)
    : new EditSurface(api, chatId, options);
  const interval = drafts ? (options.draftIntervalMs ?? 300) : (options.editIntervalMs ?? 1500);
  let text = "";
  // A group's message is first shown an interval after the start, so an answer whole by
  // then is sent once, not sent and edited (Telegram allows a group about 20 messages a
  // minute); one that waited in line shows its first words at once. A draft shows at once:
  // it is the private chat's typing animation.
  let lastShown = drafts ? Number.NEGATIVE_INFINITY : options.clock.now();
  let inFlight: Promise<void> | undefined;

  for await (const piece of pieces) {
    text += piece;
    const now = options.clock.now();
    // Never queue updates behind a slow API call: skip this one, a later piece shows it.
    if (inFlight || now - lastShown < interval || !text.trim()) continue;
    lastShown = now;
    // Interim updates are cosmetic: a failed one must not end the stream.
    inFlight = surface
      .show(visibleTail(text))
      .catch(() => undefined)
      .finally(() => (inFlight = undefined));
  }
  await inFlight;
  const markup = options.finalMarkup?.(text.trim());
  await surface.finish(text.trim(), { replyTo: options.replyTo, markup });
  return text.trim();
}

/** While streaming, show the end of the text if it is longer than one message. */
function visibleTail(text: string): string {
  const limit = MESSAGE_LIMIT - 100;
  return text.length <= limit ? text : `…${text.slice(-limit)}`;
}

interface Surface {
  show(text: string): Promise<void>;
  finish(text: string, options: SendOptions): Promise<void>;
}

class DraftSurface implements Surface {
  private readonly draftId = Math.floor(Math.random() * 2 ** 31) + 1;
  private failed = false;

  constructor(
    private readonly api: Api,
    private readonly chatId: number,
  ) {}

  async show(text: string): Promise<void> {
    if (this.failed) return;
    // A draft is cosmetic: if the chat can't show one, the final message still arrives.
    await this.api.sendMessageDraft(this.chatId, this.draftId, text).catch(() => {
      this.failed = true;
    });
  }

  async finish(text: string, options: SendOptions): Promise<void> {
    await sendMarkdown(this.api, this.chatId, text || "…", options);
  }
}

class EditSurface implements Surface {
  private messageId: Promise<number> | undefined;

  constructor(
    private readonly api: Api,
    private readonly chatId: number,
    private readonly options: StreamOptions,
  ) {
    if (options.placeholder) this.messageId = this.send(options.placeholder);
  }

  async show(text: string): Promise<void> {
    if (!this.messageId) {
      this.messageId = this.send(text);
      return;
    }
    const id = await this.messageId;
    await this.api.editMessageText(this.chatId, id, text).catch((error: unknown) => {
      if (!isMessageNotModified(error)) throw error;
    });
  }

  async finish(text: string, options: SendOptions): Promise<void> {
    const [first = "…", ...rest] = splitText(text);
    const { markup, ...send } = options;
    const firstMarkup = rest.length === 0 ? markup : undefined;
    if (this.messageId)
      await editToMarkdown(this.api, this.chatId, await this.messageId, first, firstMarkup);
    else await sendMarkdown(this.api, this.chatId, first, { ...send, markup: firstMarkup });
    for (const [index, piece] of rest.entries()) {
      const last = index === rest.length - 1;
      await sendMarkdown(this.api, this.chatId, piece, {
        ...send,
        markup: last ? markup : undefined,
      });
    }
  }

  private async send(text: string): Promise<number> {
    const message = await this.api.sendMessage(
      this.chatId,
      text,
      replyParams(this.options.replyTo),
    );
    return message.message_id;
  }
}
