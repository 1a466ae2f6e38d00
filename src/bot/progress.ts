/**
 * A status message that follows a slow job ("you are 2nd in line", "loading the
 * model…", "page 3/12") and disappears when the result arrives. Edits are throttled and
 * identical texts skipped, so a chatty job never trips Telegram's flood limits.
 */
import type { Api } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import type { Clock, TimerHandle } from "../shared/clock.js";
import { replyParams } from "./format/send.js";
import type { Progress } from "../jobs/index.js";

export type Translate = (key: string, variables?: Record<string, string | number>) => string;

export function describeProgress(progress: Progress, t: Translate): string {
  switch (progress.type) {
    case "queued":
      return t("progress-queued", { position: progress.position });
    case "loading":
      return t("progress-loading");
    case "running":
      return t("progress-working");
    case "page":
      return t("progress-page", { page: progress.page, pages: progress.pages });
    case "minutes":
      return t("progress-minutes", { done: progress.done, total: progress.total });
    case "indexing":
      return t("progress-indexing", { done: progress.done, total: progress.total });
  }
}

export class ProgressMessage {
  private messageId: Promise<number | undefined> | undefined;
  private shownText = "";
  private wantedText = "";
  private lastEdit = Number.NEGATIVE_INFINITY;
  private timer: TimerHandle | undefined;
  private closed = false;

  constructor(
    private readonly api: Api,
    private readonly chatId: number,
    private readonly clock: Clock,
    private readonly options: {
      replyTo?: number;
      editIntervalMs?: number;
      /** Told the message's id once it is shown, and `undefined` once it is removed. */
      onMessage?: (messageId: number | undefined) => void;
      /** Shown under every version of the message (the Cancel button). */
      keyboard?: InlineKeyboardMarkup;
    } = {},
  ) {}

  /** Shows `text` now if the message is new, otherwise at the next allowed edit. */
  show(text: string): void {
    if (this.closed || text === this.wantedText) return;
    this.wantedText = text;
    if (!this.messageId) {
      this.shownText = text;
      this.lastEdit = this.clock.now();
      this.messageId = this.api
        .sendMessage(this.chatId, text, { ...replyParams(this.options.replyTo), ...this.markup() })
        .then((message) => {
          this.options.onMessage?.(message.message_id);
          return message.message_id;
        })
        .catch(() => undefined);
      return;
    }
    const wait = this.lastEdit + (this.options.editIntervalMs ?? 1500) - this.clock.now();
    if (wait <= 0) this.flushSoon();
    else this.timer ??= this.clock.setTimeout(() => this.flushSoon(), wait);
  }

  /** Removes the status message; call it when the result is about to be sent. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    const id = await this.messageId;
    if (id === undefined) return;
    await this.api.deleteMessage(this.chatId, id).catch(() => undefined);
    this.options.onMessage?.(undefined);
  }

  /** Edits are cosmetic: one that fails is dropped, and a later one may succeed. */
  private flushSoon(): void {
    this.flush().catch(() => undefined);
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    const id = await this.messageId;
    if (this.closed || id === undefined || this.wantedText === this.shownText) return;
    this.shownText = this.wantedText;
    this.lastEdit = this.clock.now();
    await this.api
      .editMessageText(this.chatId, id, this.shownText, this.markup())
      .catch(() => undefined);
  }

  private markup() {
    return this.options.keyboard ? { reply_markup: this.options.keyboard } : {};
  }
}

type ChatAction = "typing" | "record_voice" | "upload_voice" | "upload_document";

/**
 * Keeps a chat action ("typing…") visible while work runs: Telegram shows one for about
 * five seconds, so it is repeated until stopped.
 */
export function keepChatAction(
  api: Api,
  chatId: number,
  action: ChatAction,
  clock: Clock,
): () => void {
  let timer: TimerHandle | undefined;
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    api.sendChatAction(chatId, action).catch(() => undefined);
    timer = clock.setTimeout(tick, 4500);
  };
  tick();
  return () => {
    stopped = true;
    if (timer) clock.clearTimeout(timer);
  };
}
