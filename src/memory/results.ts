import type { Database } from "better-sqlite3";

/** What a stored result is: recognized document text, a transcript or a long chat answer. */
export type ResultKind = "ocr" | "transcript" | "answer";

/** A timed piece of a transcript, in seconds from the start of the recording. */
export interface ResultSegment {
  startS: number;
  endS: number;
  text: string;
}

export interface NewResult {
  chatId: number;
  userId: number;
  kind: ResultKind;
  /** The text's language ("ru", "en", ...), for translation and the voice that reads it. */
  language: string;
  text: string;
  segments?: readonly ResultSegment[];
  /** The Telegram file the result was read from (a photo), to read it again another way. */
  sourceFileId?: string;
}

export interface StoredResult extends Required<Omit<NewResult, "sourceFileId">> {
  id: number;
  sourceFileId?: string;
  createdAt: number;
}

interface ResultRow {
  id: number;
  chat_id: number;
  user_id: number;
  kind: ResultKind;
  language: string;
  text: string;
  segments: string;
  source_file_id: string | null;
  created_at: number;
}

function fromRow(row: ResultRow): StoredResult {
  return {
    id: row.id,
    chatId: row.chat_id,
    userId: row.user_id,
    kind: row.kind,
    language: row.language,
    text: row.text,
    segments: JSON.parse(row.segments) as ResultSegment[],
    ...(row.source_file_id ? { sourceFileId: row.source_file_id } : {}),
    createdAt: row.created_at,
  };
}

/**
 * Results kept server-side so the buttons under them (summary, translation, read aloud,
 * file, subtitles) work after a restart; the buttons carry only the id. Owned by the user
 * who asked, so /forget deletes them and /export includes them.
 */
export class ResultStore {
  private readonly insert;
  private readonly select;
  private readonly selectOfUser;
  private readonly selectLastId;

  constructor(
    db: Database,
    private readonly now: () => number,
  ) {
    this.insert = db.prepare(`
      INSERT INTO results (chat_id, user_id, kind, language, text, segments, source_file_id,
        created_at)
      VALUES (@chatId, @userId, @kind, @language, @text, @segments, @sourceFileId, @createdAt)`);
    this.select = db.prepare<[number], ResultRow>("SELECT * FROM results WHERE id = ?");
    this.selectOfUser = db.prepare<[number], ResultRow>(
      "SELECT * FROM results WHERE user_id = ? ORDER BY id",
    );
    // AUTOINCREMENT never reuses an id: the sequence is the highest ever given out.
    this.selectLastId = db.prepare<[], { seq: number }>(
      "SELECT seq FROM sqlite_sequence WHERE name = 'results'",
    );
  }

  /** Stores a result and returns its id. */
  save(result: NewResult): number {
    const info = this.insert.run({
      chatId: result.chatId,
      userId: result.userId,
      kind: result.kind,
      language: result.language,
      text: result.text,
      segments: JSON.stringify(result.segments ?? []),
      sourceFileId: result.sourceFileId ?? null,
      createdAt: this.now(),
    });
    return Number(info.lastInsertRowid);
  }

  get(id: number): StoredResult | undefined {
    const row = this.select.get(id);
    return row ? fromRow(row) : undefined;
  }

  /**
   * Whether `id` was given to a result once, though it may be gone now (pruned for its age
   * or the size cap, or /forget): tells an old button from a forged one.
   */
  wasIssued(id: number): boolean {
    return id <= (this.selectLastId.get()?.seq ?? 0);
  }

  /** Every result of a user, oldest first (for /export). */
  ofUser(userId: number): StoredResult[] {
    return this.selectOfUser.all(userId).map(fromRow);
  }
}
