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

/** Places 1–5 are told every edit interval, 6–10 every second one, 11–15 every third, … */
const PLACES_PER_PACE = 5;

/** When a status update may be shown: see {@link paceOf}. */
export interface Pace {
  /** Edit intervals to leave after the last edit. */
  spacing: number;
  /** Sent at once even where the message waits a while before it appears. */
  immediately: boolean;
}

/**
 * When to show `progress`. A place far back in a long line is told less often: every move
 * of the line changes everyone's place, and at one edit per interval for each person
 * waiting, 100 people in line meant ~67 edits a second: more than Telegram allows a bot
 * (about 30 messages a second); in bench:load's crowd Telegram calls, a quarter of them such
 * edits, took a third of the main thread. Spaced by place, 100 people in line get ~12 edits
 * a second. A model load is said at once: with real models it takes seconds.
 */
export function paceOf(progress: Progress): Pace {
  return {
    spacing: progress.type === "queued" ? Math.ceil(progress.position / PLACES_PER_PACE) : 1,
    immediately: progress.type === "loading",
  };
}

export class ProgressMessage {
  private messageId: Promise<number | undefined> | undefined;
  private shownText = "";
  private wantedText = "";
  private lastEdit = Number.NEGATIVE_INFINITY;
  private timer: TimerHandle | undefined;
  private appearTimer: TimerHandle | undefined;
  private closed = false;

  constructor(
    private readonly api: Api,
    private readonly chatId: number,
    private readonly clock: Clock,
    private readonly options: {
      replyTo?: number;
      editIntervalMs?: number;
      /**
       * How long the first text waits before the message is sent; closed before then, no
       * message at all (an answer that came quickly needs no status that flashes and goes).
       */
      appearAfterMs?: number;
      /** Told the message's id once it is shown, and `undefined` once it is removed. */
      onMessage?: (messageId: number | undefined) => void;
      /** Shown under every version of the message (the Cancel button). */
      keyboard?: InlineKeyboardMarkup;
    } = {},
  ) {}

  /**
   * Shows `text` now (or `appearAfterMs` from now) if the message is new, otherwise at the
   * next allowed edit: `spacing` edit intervals after the last one (see {@link paceOf}).
   */
  show(text: string, { spacing, immediately }: Pace = { spacing: 1, immediately: false }): void {
    if (this.closed || text === this.wantedText) return;
    this.wantedText = text;
    if (!this.messageId) {
      const delay = immediately ? 0 : (this.options.appearAfterMs ?? 0);
      if (delay <= 0) this.appear();
      else this.appearTimer ??= this.clock.setTimeout(() => this.appear(), delay);
      return;
    }
    const interval = (this.options.editIntervalMs ?? 1500) * spacing;
    const wait = this.lastEdit + interval - this.clock.now();
    if (wait <= 0) this.flushSoon();
    else this.timer ??= this.clock.setTimeout(() => this.flushSoon(), wait);
  }

  /** Removes the status message; call it when the result is about to be sent. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    if (this.appearTimer) this.clock.clearTimeout(this.appearTimer);
    const id = await this.messageId;
    if (id === undefined) return;
    await this.api.deleteMessage(this.chatId, id).catch(() => undefined);
    this.options.onMessage?.(undefined);
  }

  /** Sends the message with the latest text. */
  private appear(): void {
    this.appearTimer = undefined;
    if (this.closed || this.messageId) return;
    this.shownText = this.wantedText;
    this.lastEdit = this.clock.now();
    this.messageId = this.api
      .sendMessage(this.chatId, this.shownText, {
        ...replyParams(this.options.replyTo),
        ...this.markup(),
      })
      .then((message) => {
        this.options.onMessage?.(message.message_id);
        return message.message_id;
      })
      .catch(() => undefined);
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
