/**
 * Forward-only schema migrations. Each runs once, in order, inside a transaction, and
 * bumps `PRAGMA user_version`. Never edit a released migration: add a new one.
 */
import type { Database } from "better-sqlite3";

export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: "users, chats, history and settings",
    up(db) {
      db.exec(`
        CREATE TABLE users (
          id INTEGER PRIMARY KEY,
          first_name TEXT,
          username TEXT,
          language_code TEXT,
          first_seen INTEGER NOT NULL,
          last_seen INTEGER NOT NULL
        );
        CREATE TABLE chats (
          id INTEGER PRIMARY KEY,
          type TEXT NOT NULL,
          title TEXT,
          first_seen INTEGER NOT NULL,
          last_seen INTEGER NOT NULL
        );
        CREATE TABLE history (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          chat_id INTEGER NOT NULL,
          user_id INTEGER NOT NULL,
          role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
          kind TEXT NOT NULL,
          text TEXT NOT NULL,
          created_at INTEGER NOT NULL
        );
        CREATE INDEX history_by_dialog ON history (chat_id, user_id, id);
        CREATE TABLE settings (
          user_id INTEGER PRIMARY KEY,
          language TEXT,
          voice_replies TEXT NOT NULL DEFAULT 'voice',
          tts_voice TEXT NOT NULL DEFAULT 'auto',
          normalize INTEGER NOT NULL DEFAULT 1,
          updated_at INTEGER NOT NULL
        );
      `);
    },
  },
  {
    version: 2,
    name: "conversations for /reset, usage events, model footprints",
    up(db) {
      db.exec(`
        ALTER TABLE history ADD COLUMN conversation INTEGER NOT NULL DEFAULT 0;
        DROP INDEX history_by_dialog;
        CREATE INDEX history_by_dialog ON history (chat_id, user_id, conversation, id);
        CREATE TABLE conversation_heads (
          chat_id INTEGER NOT NULL,
          user_id INTEGER NOT NULL,
          conversation INTEGER NOT NULL,
          PRIMARY KEY (chat_id, user_id)
        );
        CREATE TABLE usage (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          at INTEGER NOT NULL,
          user_id INTEGER,
          chat_id INTEGER,
          task TEXT NOT NULL,
          model TEXT,
          duration_ms INTEGER NOT NULL,
          ok INTEGER NOT NULL,
          error_code TEXT
        );
        CREATE INDEX usage_by_time ON usage (at);
        CREATE INDEX usage_by_user ON usage (user_id);
        CREATE TABLE model_footprints (
          model_id TEXT PRIMARY KEY,
          bytes INTEGER NOT NULL,
          measured_at INTEGER NOT NULL
        );
      `);
    },
  },
  {
    version: 3,
    name: "key-value state for multi-step flows",
    up(db) {
      db.exec(`
        CREATE TABLE kv (
          namespace TEXT NOT NULL,
          key TEXT NOT NULL,
          user_id INTEGER,
          value TEXT NOT NULL,
          updated_at INTEGER NOT NULL,
          PRIMARY KEY (namespace, key)
        );
        CREATE INDEX kv_by_user ON kv (user_id);
      `);
    },
  },
  {
    version: 4,
    name: "job journal: accepted updates until their answer is delivered",
    up(db) {
      db.exec(`
        CREATE TABLE jobs (
          update_id INTEGER PRIMARY KEY,
          chat_id INTEGER NOT NULL,
          user_id INTEGER NOT NULL,
          kind TEXT NOT NULL,
          message_id INTEGER,
          language TEXT NOT NULL,
          update_json TEXT NOT NULL,
          progress_message_id INTEGER,
          attempts INTEGER NOT NULL DEFAULT 1,
          interrupted INTEGER NOT NULL DEFAULT 0,
          accepted_at INTEGER NOT NULL
        );
        CREATE INDEX jobs_by_user ON jobs (user_id);
      `);
    },
  },
  {
    version: 5,
    name: "results people can act on (summary, translation, voice, file, subtitles)",
    up(db) {
      db.exec(`
        CREATE TABLE results (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          chat_id INTEGER NOT NULL,
          user_id INTEGER NOT NULL,
          kind TEXT NOT NULL CHECK (kind IN ('ocr', 'transcript', 'answer')),
          language TEXT NOT NULL,
          text TEXT NOT NULL,
          segments TEXT NOT NULL DEFAULT '[]',
          created_at INTEGER NOT NULL
        );
        CREATE INDEX results_by_user ON results (user_id);
      `);
    },
  },
  {
    version: 6,
    name: "pictures: image references in history and results, the reading mode setting",
    up(db) {
      // References only (Telegram file ids): the image bytes are never stored.
      db.exec(`
        ALTER TABLE history ADD COLUMN image_file_id TEXT;
        ALTER TABLE history ADD COLUMN image_unique_id TEXT;
        ALTER TABLE results ADD COLUMN source_file_id TEXT;
        ALTER TABLE settings ADD COLUMN reading_mode TEXT
          CHECK (reading_mode IS NULL OR reading_mode IN ('fast', 'accurate'));
      `);
    },
  },
  {
    version: 7,
    name: "API keys (hashes only) and usage amounts per owner",
    up(db) {
      // A key's limits: NULL follows the API_* defaults of the config, 0 is unlimited.
      // Usage rows gain their owner ("tg:<id>", "key:<name>") and what they consumed,
      // indexed by owner and time for the daily quotas and per-key reports.
      db.exec(`
        CREATE TABLE api_keys (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          name TEXT NOT NULL UNIQUE,
          secret_hash BLOB NOT NULL UNIQUE,
          admin INTEGER NOT NULL DEFAULT 0,
          rate_per_min INTEGER,
          daily_audio_min INTEGER,
          daily_pages INTEGER,
          daily_tokens INTEGER,
          created_at INTEGER NOT NULL,
          revoked_at INTEGER
        );
        ALTER TABLE usage ADD COLUMN owner TEXT;
        ALTER TABLE usage ADD COLUMN audio_s REAL NOT NULL DEFAULT 0;
        ALTER TABLE usage ADD COLUMN pages INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE usage ADD COLUMN tokens INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX usage_by_owner ON usage (owner, at);
      `);
    },
  },
  {
    version: 8,
    name: "passages of results for questions about them, with full-text search and vectors",
    up(db) {
      // Passages go with their result (ON DELETE CASCADE: /forget and the pruning of old
      // results delete results only). The full-text table is contentless (the text lives in
      // `passages`) and indexes the result as a token of its own column, so a search within
      // one result intersects two posting lists instead of filtering every match in SQL.
      // Triggers keep it in sync on every path, cascades included; ё is indexed as е because
      // Russian text writes it either way and unicode61 keeps them apart.
      db.exec(`
        CREATE TABLE passages (
          id INTEGER PRIMARY KEY,
          result_id INTEGER NOT NULL REFERENCES results(id) ON DELETE CASCADE,
          ord INTEGER NOT NULL,
          page INTEGER,
          start_s REAL,
          end_s REAL,
          text TEXT NOT NULL,
          vector BLOB,
          vector_model TEXT,
          UNIQUE (result_id, ord)
        );
        CREATE VIRTUAL TABLE passages_fts USING fts5(
          text, result,
          content = '', contentless_delete = 1,
          tokenize = 'unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER passages_fts_insert AFTER INSERT ON passages BEGIN
          INSERT INTO passages_fts (rowid, text, result)
          VALUES (new.id, replace(replace(new.text, 'ё', 'е'), 'Ё', 'Е'), 'r' || new.result_id);
        END;
        CREATE TRIGGER passages_fts_delete AFTER DELETE ON passages BEGIN
          DELETE FROM passages_fts WHERE rowid = old.id;
        END;
        CREATE TRIGGER passages_fts_update AFTER UPDATE OF text, result_id ON passages BEGIN
          DELETE FROM passages_fts WHERE rowid = old.id;
          INSERT INTO passages_fts (rowid, text, result)
          VALUES (new.id, replace(replace(new.text, 'ё', 'е'), 'Ё', 'Е'), 'r' || new.result_id);
        END;
      `);
    },
  },
];

/** Thrown when the database was written by a newer version of the bot. */
export class SchemaTooNewError extends Error {
  override readonly name = "SchemaTooNewError";
}

/** Applies every migration newer than the database's version, each in its own transaction. */
export function migrate(db: Database, list: readonly Migration[] = migrations): number {
  const current = db.pragma("user_version", { simple: true }) as number;
  const latest = list.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new SchemaTooNewError(
      `database schema version ${current} is newer than this bot understands (${latest}); upgrade the bot or restore a backup`,
    );
  }
  for (const migration of list) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      // Another process may have applied it while this one waited for the lock.
      if ((db.pragma("user_version", { simple: true }) as number) >= migration.version) return;
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
  return db.pragma("user_version", { simple: true }) as number;
}
