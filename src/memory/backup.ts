/**
 * Backups and restores of the bot's SQLite file (npm run backup / npm run restore).
 * A backup goes through SQLite's online backup API, so it is safe while the bot runs and
 * writes; a restore replaces the file and so refuses while anything has it open.
 */
import fs from "node:fs";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { openDatabase } from "./database.js";
import { migrations } from "./migrations.js";

export class BackupError extends Error {
  override readonly name = "BackupError";
}

/** What a backup wrote. */
export interface BackupReport {
  file: string;
  bytes: number;
  pages: number;
  /** Older backups deleted to keep the last N. */
  removed: string[];
}

/** `bot-20260131-235959Z.sqlite`: sorts by time, names no user. */
export function backupFileName(at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `bot-${stamp}Z.sqlite`;
}

const BACKUP_NAME = /^bot-\d{8}-\d{6}Z\.sqlite$/;

/**
 * Copies the database at `source` to `target` (which must not exist yet). The copy is one
 * consistent snapshot: all pages go in one step of the backup API, inside one read
 * transaction, which in WAL mode never blocks the bot's writes. (In small steps, any write
 * by another connection between two steps would restart the copy, forever on a busy bot.)
 */
export async function backupDatabase(
  source: string,
  target: string,
  options: {
    /** Runs between the backup's set-up and its copy (tests write from elsewhere here). */
    beforeCopy?: () => void;
  } = {},
): Promise<{ bytes: number; pages: number }> {
  if (!fs.existsSync(source)) throw new BackupError(`no database at ${source}`);
  if (fs.existsSync(target)) throw new BackupError(`${target} exists already; pick a new name`);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const db = new BetterSqlite3(source, { fileMustExist: true });
  try {
    db.pragma("busy_timeout = 5000");
    let first = true;
    const progress = await db.backup(target, {
      progress: () => {
        if (first) options.beforeCopy?.();
        first = false;
        return 0x7fffffff;
      },
    });
    return { bytes: fs.statSync(target).size, pages: progress.totalPages };
  } finally {
    db.close();
  }
}

/** Deletes the oldest `bot-*.sqlite` backups in `dir` beyond the newest `keep`. */
export function keepLastBackups(dir: string, keep: number): string[] {
  const backups = fs
    .readdirSync(dir)
    .filter((name) => BACKUP_NAME.test(name))
    .sort();
  const removed = backups.slice(0, Math.max(0, backups.length - keep));
  for (const name of removed) fs.rmSync(path.join(dir, name));
  return removed.map((name) => path.join(dir, name));
}

/**
 * Whether another connection (the bot, `npm run keys`) has the database open. In WAL mode
 * every open connection holds a shared lock on the file, even idle; a connection in
 * exclusive locking mode can't take its lock while one does.
 */
export function databaseInUse(file: string): boolean {
  if (!fs.existsSync(file)) return false;
  const db = new BetterSqlite3(file, { fileMustExist: true, timeout: 0 });
  try {
    db.pragma("locking_mode = EXCLUSIVE");
    db.exec("BEGIN EXCLUSIVE; COMMIT");
    return false;
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith("SQLITE_BUSY")) return true;
    throw error;
  } finally {
    db.close();
  }
}

/** Checks a backup before it replaces anything: SQLite's integrity check and its schema. */
export function checkBackup(file: string): void {
  if (!fs.existsSync(file)) throw new BackupError(`no backup at ${file}`);
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    const problems = (db.pragma("integrity_check") as { integrity_check: string }[]).map(
      (row) => row.integrity_check,
    );
    if (problems.join() !== "ok")
      throw new BackupError(`${file} fails PRAGMA integrity_check: ${problems.join("; ")}`);
    const version = db.pragma("user_version", { simple: true }) as number;
    const latest = migrations.at(-1)?.version ?? 0;
    if (version > latest)
      throw new BackupError(
        `${file} has schema version ${version}, newer than this bot's (${latest}): restore it with the bot version that wrote it`,
      );
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError(`${file} is not a readable SQLite database: ${(error as Error).message}`);
  } finally {
    db.close();
  }
}

/**
 * Replaces the database at `target` with the backup at `source`: checks the backup, refuses
 * while the database is open anywhere, keeps the current file beside it
 * (`<name>.before-restore-<time>`), copies the backup in, drops the old -wal and -shm, and
 * opens the result once (migrating an older backup). Returns where the old file went.
 */
export function restoreDatabase(source: string, target: string, at: Date): string | undefined {
  checkBackup(source);
  if (databaseInUse(target))
    throw new BackupError(
      `${target} is in use (is the bot running?): stop the bot and anything else using it first`,
    );
  let kept: string | undefined;
  if (fs.existsSync(target)) {
    // Fold the write-ahead log into the file so the kept copy is whole on its own.
    const current = new BetterSqlite3(target, { fileMustExist: true });
    current.pragma("wal_checkpoint(TRUNCATE)");
    current.close();
    kept = `${target}.before-restore-${backupFileName(at).slice(4, -7)}`;
    fs.renameSync(target, kept);
  }
  for (const suffix of ["-wal", "-shm"]) fs.rmSync(`${target}${suffix}`, { force: true });
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(source, `${target}.restoring`);
  fs.renameSync(`${target}.restoring`, target);
  openDatabase(target).close();
  return kept;
}
