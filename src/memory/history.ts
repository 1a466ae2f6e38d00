import type { Database } from "better-sqlite3";

export type HistoryRole = "user" | "assistant";
/** Where a turn came from: typed text, a transcribed voice note, recognized document text. */
export type HistoryKind = "text" | "voice" | "ocr";

/** A (chat, user) pair: in groups each member has their own thread with the bot. */
export interface DialogKey {
  chatId: number;
  userId: number;
}

/** A picture shown in a turn, as Telegram knows it: never the bytes, only the reference. */
export interface ImageRef {
  /** Downloads the file again (getFile). */
  fileId: string;
  /** The same picture across bots and time; tells two pictures apart. */
  uniqueId: string;
}

export interface HistoryTurn {
  id: number;
  role: HistoryRole;
  kind: HistoryKind;
  text: string;
  /** The picture the user showed with this turn. */
  image?: ImageRef;
  createdAt: number;
}

/** A turn to store. */
export interface NewTurn {
  role: HistoryRole;
  kind: HistoryKind;
  text: string;
  image?: ImageRef;
}

interface TurnRow {
  id: number;
  role: HistoryRole;
  kind: HistoryKind;
  text: string;
  image_file_id: string | null;
  image_unique_id: string | null;
  created_at: number;
}

/**
 * Conversation history per (chat, user). `/reset` starts a new conversation: old turns
 * stay stored (until /forget) but are no longer part of the current one.
 */
export class HistoryLog {
  private readonly selectHead;
  private readonly upsertHead;
  private readonly insertTurn;
  private readonly selectRecent;
  private readonly countTurns;
  private readonly selectImages;

  constructor(
    private readonly db: Database,
    private readonly now: () => number,
  ) {
    this.selectHead = db.prepare<[number, number], { conversation: number }>(
      "SELECT conversation FROM conversation_heads WHERE chat_id = ? AND user_id = ?",
    );
    this.upsertHead = db.prepare(`
      INSERT INTO conversation_heads (chat_id, user_id, conversation) VALUES (?, ?, 1)
      ON CONFLICT (chat_id, user_id) DO UPDATE SET conversation = conversation + 1`);
    this.insertTurn = db.prepare(`
      INSERT INTO history (chat_id, user_id, conversation, role, kind, text,
        image_file_id, image_unique_id, created_at)
      VALUES (@chatId, @userId, @conversation, @role, @kind, @text,
        @imageFileId, @imageUniqueId, @createdAt)`);
    this.selectRecent = db.prepare<[number, number, number, number], TurnRow>(`
      SELECT id, role, kind, text, image_file_id, image_unique_id, created_at FROM history
      WHERE chat_id = ? AND user_id = ? AND conversation = ?
      ORDER BY id DESC LIMIT ?`);
    this.countTurns = db.prepare<[number, number, number], { n: number }>(
      "SELECT COUNT(*) AS n FROM history WHERE chat_id = ? AND user_id = ? AND conversation = ?",
    );
    this.selectImages = db.prepare<
      [number, number, number, number],
      { image_file_id: string; image_unique_id: string }
    >(`
      SELECT image_file_id, image_unique_id FROM history
      WHERE chat_id = ? AND user_id = ? AND conversation = ? AND image_unique_id IS NOT NULL
      GROUP BY image_unique_id ORDER BY MAX(id) DESC LIMIT ?`);
  }

  /** Appends turns to the current conversation in one transaction (a user turn and its answer). */
  append(dialog: DialogKey, turns: NewTurn[]): void {
    // IMMEDIATE takes the write lock before reading the conversation head: a deferred
    // transaction that reads first fails with SQLITE_BUSY_SNAPSHOT when another
    // connection commits in between, and busy_timeout can't retry that.
    this.db
      .transaction(() => {
        const conversation = this.conversationOf(dialog);
        const createdAt = this.now();
        for (const { image, ...turn } of turns)
          this.insertTurn.run({
            ...dialog,
            conversation,
            createdAt,
            ...turn,
            imageFileId: image?.fileId ?? null,
            imageUniqueId: image?.uniqueId ?? null,
          });
      })
      .immediate();
  }

  /** The newest `limit` turns of the current conversation, oldest first. */
  recent(dialog: DialogKey, limit = 50): HistoryTurn[] {
    const rows = this.selectRecent.all(
      dialog.chatId,
      dialog.userId,
      this.conversationOf(dialog),
      limit,
    );
    return rows.reverse().map((row) => ({
      id: row.id,
      role: row.role,
      kind: row.kind,
      text: row.text,
      ...(row.image_file_id && row.image_unique_id
        ? { image: { fileId: row.image_file_id, uniqueId: row.image_unique_id } }
        : {}),
      createdAt: row.created_at,
    }));
  }

  /** The newest `limit` distinct pictures shown in the current conversation, newest first. */
  images(dialog: DialogKey, limit: number): ImageRef[] {
    return this.selectImages
      .all(dialog.chatId, dialog.userId, this.conversationOf(dialog), limit)
      .map((row) => ({ fileId: row.image_file_id, uniqueId: row.image_unique_id }));
  }

  /** Number of turns in the current conversation. */
  size(dialog: DialogKey): number {
    return this.countTurns.get(dialog.chatId, dialog.userId, this.conversationOf(dialog))?.n ?? 0;
  }

  /** Starts a new conversation; earlier turns are no longer returned by {@link recent}. */
  reset(dialog: DialogKey): void {
    this.upsertHead.run(dialog.chatId, dialog.userId);
  }

  private conversationOf(dialog: DialogKey): number {
    return this.selectHead.get(dialog.chatId, dialog.userId)?.conversation ?? 0;
  }
}
