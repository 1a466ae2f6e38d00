import fs from "node:fs";
import path from "node:path";
import BetterSqlite3, { type Database } from "better-sqlite3";
import { migrate, type Migration, migrations as allMigrations } from "./migrations.js";

export type { Database } from "better-sqlite3";

/**
 * Opens (creating if needed) the SQLite file in WAL mode, so readers never block the
 * writer, with a busy timeout so a second process waits instead of failing, and brings
 * the schema up to date.
 */
export function openDatabase(
  file: string,
  migrations: readonly Migration[] = allMigrations,
): Database {
  if (file !== ":memory:") fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new BetterSqlite3(file);
  try {
    // Only takes effect on a new, empty file: pages freed by pruning can then be given
    // back to the file system (PRAGMA incremental_vacuum). Older files keep their mode.
    db.pragma("auto_vacuum = INCREMENTAL");
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("busy_timeout = 5000");
    db.pragma("foreign_keys = ON");
    migrate(db, migrations);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
