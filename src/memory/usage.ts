import type { Database } from "better-sqlite3";

export interface UsageEvent {
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

/** A log of finished jobs, for /status and metrics. */
export class UsageLog {
  private readonly insert;
  private readonly summarize;

  constructor(
    db: Database,
    private readonly now: () => number,
  ) {
    this.insert = db.prepare(`
      INSERT INTO usage (at, user_id, chat_id, task, model, duration_ms, ok, error_code)
      VALUES (@at, @userId, @chatId, @task, @model, @durationMs, @ok, @errorCode)`);
    this.summarize = db.prepare<[number], TaskUsage>(`
      SELECT task, SUM(ok) AS ok, SUM(1 - ok) AS failed, CAST(AVG(duration_ms) AS INTEGER) AS avgMs
      FROM usage WHERE at >= ? GROUP BY task ORDER BY task`);
  }

  record(event: UsageEvent): void {
    this.insert.run({
      at: this.now(),
      userId: event.userId ?? null,
      chatId: event.chatId ?? null,
      task: event.task,
      model: event.model ?? null,
      durationMs: Math.round(event.durationMs),
      ok: event.ok ? 1 : 0,
      errorCode: event.errorCode ?? null,
    });
  }

  /** Per-task counts for events in the last `windowMs`. */
  since(windowMs: number): TaskUsage[] {
    return this.summarize.all(this.now() - windowMs);
  }
}
