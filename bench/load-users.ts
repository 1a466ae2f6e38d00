/**
 * Simulated Telegram users for `bench:load`: one exchange (a message sent through the
 * loopback Bot API and the bot's reply awaited) and a phase of users, each sending and
 * waiting for the whole answer before the next message, until the phase's time is up.
 * Latency is from the user's message to the bot's first real reply (progress messages
 * don't count); "busy" is a reply that turns the message down for overload, "lost" is one
 * that got no reply by the phase's deadline (its end plus a grace period).
 */
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import type { Chat, User } from "@grammyjs/types";
import { isProgress, sentText, type Exit } from "../tests/e2e/harness.js";
import type { BotApiServer, RecordedCall } from "../tests/support/bot-api/index.js";
import { mulberry32 } from "./trace.js";

/**
 * Replies that turn a message down because the bot is overloaded, in both languages. A
 * "you're number N in line" notice that is followed by the answer must NOT match: it would
 * end the exchange early. Adjust here when the locale texts change.
 */
export const BUSY_PATTERNS: readonly RegExp[] = [
  /\b(very|too) busy\b/i,
  /\bbusy right now\b/i,
  /очень занят|слишком занят|перегружен/i,
];

/**
 * What a user sends: a text question, a photo of a line of text, a short voice note, a photo
 * with a question for the vision model; and the heavy kinds of the fairness scenario, a
 * scanned PDF and a long voice note ("talk").
 */
export type Kind = "text" | "photo" | "voice" | "picture" | "pdf" | "talk";
/** The kinds `--mix` may ask for. */
export const MIX_KINDS: readonly Kind[] = ["text", "photo", "voice", "picture"];

/** How often each kind is sent, as shares that add up to 1. */
export type Mix = readonly [Kind, number][];

/** "text=0.6,photo=0.2,..." as a {@link Mix}; `option` names the flag in errors. */
export function parseMix(spec: string, option: string): Mix {
  const shares = spec.split(",").map((part) => {
    const [kind, share] = part.split("=");
    if (!MIX_KINDS.includes(kind as Kind) || !(Number(share) >= 0))
      throw new Error(`${option}: kind=share,... with kinds ${MIX_KINDS.join(", ")}`);
    return [kind as Kind, Number(share)] as [Kind, number];
  });
  const total = shares.reduce((sum, [, share]) => sum + share, 0);
  if (total <= 0) throw new Error(`${option}: the shares add up to nothing`);
  return shares.map(([kind, share]) => [kind, share / total]);
}

function pick(mix: Mix, random: () => number): Kind {
  let roll = random();
  for (const [kind, share] of mix) if ((roll -= share) < 0) return kind;
  return mix[0]![0];
}

/** The caption of a picture question. */
const PICTURE_QUESTION = "What is in this picture?";
const QUESTIONS = [
  "What is the capital of France?",
  "Можешь объяснить, как работает фотосинтез?",
  "Write a haiku about the sea.",
  "Сколько будет семь умножить на восемь?",
  "Give me three tips for a job interview.",
  "Что посмотреть в Петербурге за выходные?",
];
/** Reply methods that carry the bot's answer (progress messages are filtered out). */
const REPLY_METHODS = new Set(["sendMessage", "sendDocument", "sendVoice"]);
/** The generic failure replies (error-internal and friends), in both languages. */
const ERROR_TEXTS = [/^Sorry, something went wrong/, /^Извините, что-то пошло не так/];
/** A user whose message was turned down as busy waits this long before the next one. */
const BUSY_PAUSE_MS = 1000;

/** The files users send; the heavy ones only when the fairness scenario runs. */
export interface Media {
  photo: Uint8Array;
  voice: Uint8Array;
  pdf?: Uint8Array;
  talk?: { bytes: Uint8Array; durationS: number };
}

export type Outcome = "answered" | "busy" | "lost";
export interface Exchange {
  kind: Kind;
  outcome: Outcome;
  /** Until the first real reply, for answered exchanges. */
  latencyMs?: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The sorted latencies of the answered exchanges of `kinds`. */
export function latencies(exchanges: readonly Exchange[], kinds: readonly Kind[]): number[] {
  return exchanges
    .filter((e) => kinds.includes(e.kind) && e.latencyMs !== undefined)
    .map((e) => e.latencyMs!)
    .sort((a, b) => a - b);
}

export function countOf(exchanges: readonly Exchange[], outcome: Outcome, kind?: Kind): number {
  return exchanges.filter((e) => e.outcome === outcome && (!kind || e.kind === kind)).length;
}

/** A table of sent, answered, busy, lost and p50/p95/max latency for each of `kinds`. */
export function kindTable(exchanges: readonly Exchange[], kinds: readonly Kind[]): string[] {
  const lines = ["kind    sent answered busy lost   p50_ms   p95_ms   max_ms"];
  for (const kind of kinds) {
    const sorted = latencies(exchanges, [kind]);
    const sent = exchanges.filter((e) => e.kind === kind).length;
    const ms = (p: number) => String(Math.round(percentile(sorted, p))).padStart(8);
    const max = String(Math.round(sorted.at(-1) ?? 0)).padStart(8);
    const count = (outcome: Outcome) => String(countOf(exchanges, outcome, kind));
    lines.push(
      `${kind.padEnd(7)} ${String(sent).padStart(4)} ${count("answered").padStart(8)} ` +
        `${count("busy").padStart(4)} ${count("lost").padStart(4)} ${ms(50)} ${ms(95)} ${max}`,
    );
  }
  return lines;
}

/** A user's behaviour in a phase: what to send next, and how long to wait before it. */
export interface Habit {
  /** The kind of the `n`th message (from 0). */
  next(n: number, random: () => number): Kind;
  /** Milliseconds before the `n`th message: 0 sends as soon as the last answer is in. */
  pauseMs(n: number, random: () => number): number;
}

/** People chatting: a think time drawn from `thinkMs` before each message, kinds by `mix`. */
export function thinking(mix: Mix, [minMs, maxMs]: readonly [number, number]): Habit {
  const think = (random: () => number) => minMs + random() * (maxMs - minMs);
  return {
    next: (_, random) => pick(mix, random),
    // Users arrive spread over one think time, not all in the same millisecond.
    pauseMs: (n, random) => (n === 0 ? random() * think(random) : think(random)),
  };
}

/** Someone who sends `kinds` in turn, each as soon as the previous one is answered. */
export function eager(kinds: readonly Kind[]): Habit {
  return { next: (n) => kinds[n % kinds.length]!, pauseMs: () => 0 };
}

/**
 * Users sending for `seconds`; replies still owed then are awaited up to `graceS` more.
 * Users stop sending once the bot is gone. `seed` seeds each user's choices.
 */
export class Phase {
  readonly exchanges: Exchange[] = [];
  private readonly startedAt = performance.now();
  readonly endAt: number;
  readonly deadline: number;
  private dead = false;

  constructor(
    private readonly server: BotApiServer,
    private readonly died: Promise<Exit>,
    private readonly media: Media,
    private readonly timing: { seconds: number; graceS: number; seed: number },
  ) {
    this.endAt = this.startedAt + timing.seconds * 1000;
    this.deadline = this.endAt + timing.graceS * 1000;
    void died.then(() => (this.dead = true));
  }

  /**
   * User number `index`, a new Telegram user in a private chat (English for even numbers,
   * Russian for odd ones): pause, send, wait for the whole answer; until the phase's time is
   * up. The same number, seed and habit give the same messages and pauses in any phase.
   */
  async user(index: number, habit: Habit): Promise<void> {
    const random = mulberry32(this.timing.seed * 100_003 + index);
    const user = this.server.users.create({ language_code: index % 2 === 0 ? "en" : "ru" });
    const chat = this.server.users.privateChat(user);
    let pause = habit.pauseMs(0, random);
    for (let n = 0; ; n++) {
      if (performance.now() + pause >= this.endAt) return;
      await sleep(pause);
      if (this.dead) return;
      const exchange = await this.exchange(chat, user, habit.next(n, random), random);
      this.exchanges.push(exchange);
      pause = habit.pauseMs(n + 1, random);
      if (exchange.outcome === "busy") pause = Math.max(pause, BUSY_PAUSE_MS);
    }
  }

  private send(chat: Chat.PrivateChat, user: User, kind: Kind, random: () => number): void {
    const { users } = this.server;
    const { photo, voice, pdf, talk } = this.media;
    if (kind === "text")
      users.sendText(chat, user, QUESTIONS[Math.floor(random() * QUESTIONS.length)]!);
    else if (kind === "photo") users.sendPhoto(chat, user, photo);
    else if (kind === "picture") users.sendPhoto(chat, user, photo, { caption: PICTURE_QUESTION });
    else if (kind === "voice") users.sendVoice(chat, user, voice, { duration: 2 });
    else if (kind === "pdf" && pdf)
      users.sendDocument(chat, user, pdf, { fileName: "scans.pdf", mimeType: "application/pdf" });
    else if (kind === "talk" && talk)
      users.sendVoice(chat, user, talk.bytes, { duration: Math.round(talk.durationS) });
    else throw new Error(`no media for a ${kind} message`);
  }

  private async exchange(
    chat: Chat.PrivateChat,
    user: User,
    kind: Kind,
    random: () => number,
  ): Promise<Exchange> {
    const since = this.server.calls.length;
    const sentAt = performance.now();
    this.send(chat, user, kind, random);

    let latencyMs: number | undefined;
    for (;;) {
      const reply = await this.nextReply(chat.id, since);
      if (!reply) return latencyMs === undefined ? { kind, outcome: "lost" } : answered();
      const text = sentText(reply.call);
      if (BUSY_PATTERNS.some((pattern) => pattern.test(text))) return { kind, outcome: "busy" };
      latencyMs ??= reply.at - sentAt;
      // A voice note is answered in three steps: transcript, answer, voice reply. An error
      // reply (not a voice) at any step ends it too.
      const spoken = kind === "voice" || kind === "talk";
      if (!spoken || reply.call.method === "sendVoice" || isError(text)) return answered();
    }

    function answered(): Exchange {
      return { kind, outcome: "answered", latencyMs };
    }
  }

  /** The bot's next real reply in the chat, or undefined at the deadline or if the bot died. */
  private async nextReply(
    chatId: number,
    since: number,
  ): Promise<{ call: RecordedCall; at: number } | undefined> {
    const timeoutMs = this.deadline - performance.now();
    if (timeoutMs <= 0) return undefined;
    const wait = this.server
      .waitFor(
        (c) =>
          c.chatId === chatId &&
          REPLY_METHODS.has(c.method) &&
          c.result !== undefined &&
          !isProgress(sentText(c)),
        { since, timeoutMs },
      )
      .then((call) => ({ call, at: performance.now() }));
    return Promise.race([wait, this.died.then(() => undefined)]).catch(() => undefined);
  }
}

function isError(text: string): boolean {
  return ERROR_TEXTS.some((pattern) => pattern.test(text));
}
