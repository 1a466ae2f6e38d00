import type { Database } from "better-sqlite3";

/** What a request consumed, where it applies: what the API's daily quotas count. */
export interface UsageAmounts {
  /** Seconds of audio transcribed. */
  audioS?: number;
  /** Pages (or pictures) read. */
  pages?: number;
  /** Chat tokens: the prompt's and the answer's. */
  tokens?: number;
}

export interface UsageEvent extends UsageAmounts {
  /** Whose request it was: "tg:<id>" for a Telegram person, "key:<name>" for an API key. */
  owner?: string;
  userId?: number;
  chatId?: number;
  /** What was done, e.g. "ocr", "asr", "chat", "tts", "normalize". */
  task: string;
  model?: string;
  durationMs: number;
  ok: boolean;
  errorCode?: string;
}

export interface TaskUsage {
  task: string;
  ok: number;
  failed: number;
  avgMs: number;
}

/** An owner's requests and what they consumed, over some span of time. */
export interface UsageTotals {
  requests: number;
  failures: number;
  audioS: number;
  pages: number;
  tokens: number;
}

export interface OwnerUsage extends UsageTotals {
  owner: string;
}

/** One owner's totals on one UTC day ("2025-01-31"). */
export interface OwnerDayUsage extends OwnerUsage {
  day: string;
}

const TOTALS = `COUNT(*) AS requests, COALESCE(SUM(1 - ok), 0) AS failures,
  COALESCE(SUM(audio_s), 0) AS audioS, COALESCE(SUM(pages), 0) AS pages,
  COALESCE(SUM(tokens), 0) AS tokens`;

/**
 * Owners whose id starts with `prefix` ("key:"), written as a range so the (owner, at) index
 * serves it (LIKE would not: it is case-insensitive): from the prefix up to, not including,
 * the prefix with its last character bumped ("key;").
 */
const OWNER_PREFIX = "owner >= @prefix AND owner < @prefixEnd";
const prefixRange = (prefix: string) => ({
  prefix,
  prefixEnd: prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1),
});

/** A log of finished jobs, for /status, metrics and the API's quotas. */
export class UsageLog {
  private readonly insert;
  private readonly summarize;
  private readonly ownerTotals;
  private readonly perOwner;
  private readonly perOwnerDay;

  constructor(
    db: Database,
    private readonly now: () => number,
  ) {
    this.insert = db.prepare(`
      INSERT INTO usage (at, owner, user_id, chat_id, task, model, duration_ms, ok, error_code,
        audio_s, pages, tokens)
      VALUES (@at, @owner, @userId, @chatId, @task, @model, @durationMs, @ok, @errorCode,
        @audioS, @pages, @tokens)`);
    this.summarize = db.prepare<[number], TaskUsage>(`
      SELECT task, SUM(ok) AS ok, SUM(1 - ok) AS failed, CAST(AVG(duration_ms) AS INTEGER) AS avgMs
      FROM usage WHERE at >= ? GROUP BY task ORDER BY task`);
    this.ownerTotals = db.prepare<{ owner: string; since: number }, UsageTotals>(
      `SELECT ${TOTALS} FROM usage WHERE owner = @owner AND at >= @since`,
    );
    this.perOwner = db.prepare<{ prefix: string; prefixEnd: string; since: number }, OwnerUsage>(
      `SELECT owner, ${TOTALS} FROM usage WHERE ${OWNER_PREFIX} AND at >= @since
       GROUP BY owner ORDER BY requests DESC, owner`,
    );
    this.perOwnerDay = db.prepare<
      { prefix: string; prefixEnd: string; since: number },
      OwnerDayUsage
    >(
      `SELECT owner, date(at / 1000, 'unixepoch') AS day, ${TOTALS}
       FROM usage WHERE ${OWNER_PREFIX} AND at >= @since
       GROUP BY owner, day ORDER BY owner, day`,
    );
  }

  record(event: UsageEvent): void {
    this.insert.run({
      at: this.now(),
      owner: event.owner ?? null,
      userId: event.userId ?? null,
      chatId: event.chatId ?? null,
      task: event.task,
      model: event.model ?? null,
      durationMs: Math.round(event.durationMs),
      ok: event.ok ? 1 : 0,
      errorCode: event.errorCode ?? null,
      audioS: event.audioS ?? 0,
      pages: event.pages ?? 0,
      tokens: event.tokens ?? 0,
    });
  }

  /** Per-task counts for events in the last `windowMs`. */
  since(windowMs: number): TaskUsage[] {
    return this.summarize.all(this.now() - windowMs);
  }

  /** One owner's totals since `since` (ms since the epoch): what a daily quota counts. */
  totalsOf(owner: string, since: number): UsageTotals {
    return this.ownerTotals.get({ owner, since })!;
  }

  /** Totals of every owner whose id starts with `prefix` ("key:"), busiest first. */
  byOwner(prefix: string, since: number): OwnerUsage[] {
    return this.perOwner.all({ ...prefixRange(prefix), since });
  }

  /** As {@link byOwner}, per UTC day, in owner and day order. */
  byOwnerAndDay(prefix: string, since: number): OwnerDayUsage[] {
    return this.perOwnerDay.all({ ...prefixRange(prefix), since });
  }
}
