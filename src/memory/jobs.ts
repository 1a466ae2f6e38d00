import type { Database } from "better-sqlite3";

/** A job as it is accepted: the update that asked for it and how to reach its user. */
export interface NewJob {
  /** The Telegram update the job answers; one job per update. */
  updateId: number;
  chatId: number;
  userId: number;
  /** What was asked, for logs: "text", "command:ask", "image", "audio"... */
  kind: string;
  /** The message the job answers, to reply to it. */
  messageId?: number;
  /** The user's interface language when the job was accepted ("en", "ru"). */
  language: string;
  /** The whole update (any JSON value), to run the job again after a restart. */
  update: unknown;
}

/** A job in the journal: accepted, its answer not yet delivered. */
export interface JobRecord extends NewJob {
  /** The status message ("⏳ Working on it…") on screen, if any. */
  progressMessageId?: number;
  /** How many times the job was started (1 when accepted). */
  attempts: number;
  /** The user was told at shutdown that the job was interrupted. */
  interrupted: boolean;
  acceptedAt: number;
}

interface JobRow {
  update_id: number;
  chat_id: number;
  user_id: number;
  kind: string;
  message_id: number | null;
  language: string;
  update_json: string;
  progress_message_id: number | null;
  attempts: number;
  interrupted: number;
  accepted_at: number;
}

/**
 * The job journal: a job is written when accepted and deleted when its answer is
 * delivered (or it failed with a reply, or was cancelled), so the rows left after a crash
 * or a timed-out shutdown are exactly the jobs whose users got nothing yet.
 */
export class JobJournalStore {
  private readonly insert;
  private readonly setProgress;
  private readonly setInterrupted;
  private readonly bumpAttempts;
  private readonly remove;
  private readonly selectAll;

  constructor(
    db: Database,
    private readonly now: () => number,
  ) {
    // Accepting the same update again (a re-run) keeps the first record and its attempts.
    this.insert = db.prepare(`
      INSERT OR IGNORE INTO jobs
        (update_id, chat_id, user_id, kind, message_id, language, update_json, accepted_at)
      VALUES (@updateId, @chatId, @userId, @kind, @messageId, @language, @updateJson, @acceptedAt)`);
    this.setProgress = db.prepare("UPDATE jobs SET progress_message_id = ? WHERE update_id = ?");
    this.setInterrupted = db.prepare("UPDATE jobs SET interrupted = 1 WHERE update_id = ?");
    this.bumpAttempts = db.prepare(`
      UPDATE jobs SET attempts = attempts + 1, interrupted = 0, progress_message_id = NULL
      WHERE update_id = ?`);
    this.remove = db.prepare("DELETE FROM jobs WHERE update_id = ?");
    this.selectAll = db.prepare<[], JobRow>("SELECT * FROM jobs ORDER BY accepted_at, update_id");
  }

  accept(job: NewJob): void {
    this.insert.run({
      updateId: job.updateId,
      chatId: job.chatId,
      userId: job.userId,
      kind: job.kind,
      messageId: job.messageId ?? null,
      language: job.language,
      updateJson: JSON.stringify(job.update),
      acceptedAt: this.now(),
    });
  }

  /** Remembers the job's status message (`undefined`: it was removed). */
  showProgress(updateId: number, messageId: number | undefined): void {
    this.setProgress.run(messageId ?? null, updateId);
  }

  /** Notes that the user was told the job was interrupted. */
  markInterrupted(updateId: number): void {
    this.setInterrupted.run(updateId);
  }

  /** Counts a new start of the job (a re-run after a restart). */
  retry(updateId: number): void {
    this.bumpAttempts.run(updateId);
  }

  /** Forgets the job: answered, failed with a reply, given up or cancelled. */
  clear(updateId: number): void {
    this.remove.run(updateId);
  }

  /** Every job not yet answered, oldest first. */
  pending(): JobRecord[] {
    return this.selectAll.all().map((row) => ({
      updateId: row.update_id,
      chatId: row.chat_id,
      userId: row.user_id,
      kind: row.kind,
      messageId: row.message_id ?? undefined,
      language: row.language,
      update: JSON.parse(row.update_json) as unknown,
      progressMessageId: row.progress_message_id ?? undefined,
      attempts: row.attempts,
      interrupted: row.interrupted === 1,
      acceptedAt: row.accepted_at,
    }));
  }
}
