/**
 * The data lifecycle: what the database holds and how big it is, and the pruner that keeps
 * it from growing forever. Results, conversation history and the usage log are deleted
 * past their age and, when the database is over its size cap, oldest first. Every delete
 * is a small transaction, so the bot's own writes wait at most one batch.
 */
import fs from "node:fs";
import type { Database, Statement } from "better-sqlite3";

/** The tables that grow with use and are pruned. */
export const PRUNED_TABLES = ["results", "history", "usage"] as const;
export type PrunedTable = (typeof PRUNED_TABLES)[number];

/** How big the database is, on disk and inside. */
export interface DatabaseSize {
  /** The main file plus its write-ahead log: what the disk holds. */
  fileBytes: number;
  walBytes: number;
  /** Pages holding data (page_count - freelist_count, times page_size). */
  usedBytes: number;
  /** Free pages inside the file, reused by new rows before the file grows. */
  freeBytes: number;
  /** Rows of the tables that grow with use. */
  rows: Record<PrunedTable, number>;
}

export interface RetentionPolicy {
  /** Per table, how old a row may get (ms); 0 keeps rows forever. */
  maxAgeMs: Record<PrunedTable, number>;
  /** The used size above which the oldest rows go (bytes); 0: no cap. */
  maxBytes: number;
}

/** What one pruning run deleted. */
export interface PruneReport {
  /** Rows deleted per table: past their age, then for the size cap. */
  deleted: Record<PrunedTable, number>;
  /** Conversation heads of dialogs that have no history left. */
  heads: number;
  /** Used bytes before and after, and how much the file itself shrank. */
  usedBytesBefore: number;
  usedBytesAfter: number;
  fileBytesFreed: number;
  /** The size cap could not be met without deleting rows younger than the floor. */
  overCap: boolean;
}

/** Rows per delete transaction: a few ms of lock, so the bot's writes barely wait. */
const BATCH_ROWS = 200;
/** Free pages handed back to the file system per transaction (1 MiB of 4 KiB pages). */
const VACUUM_PAGES = 256;
/**
 * The size cap never deletes rows younger than this: a cap too small for one day's data is
 * reported (overCap) rather than pulling results from under buttons people press now, or
 * today's usage that the API's daily quotas count.
 */
export const SIZE_PRUNE_FLOOR_MS = 24 * 3_600_000;

const TIME_COLUMN: Record<PrunedTable, string> = {
  results: "created_at",
  history: "created_at",
  usage: "at",
};

const fileSize = (file: string): number => {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
};

const pragmaNumber = (db: Database, name: string): number =>
  db.pragma(name, { simple: true }) as number;

/** The database's size; `db.name` is its file (":memory:" reads as 0 bytes on disk). */
export function measureDatabase(db: Database): DatabaseSize {
  const pageSize = pragmaNumber(db, "page_size");
  const pages = pragmaNumber(db, "page_count");
  const free = pragmaNumber(db, "freelist_count");
  const onDisk = db.memory ? 0 : fileSize(db.name);
  const walBytes = db.memory ? 0 : fileSize(`${db.name}-wal`);
  const rows = perTable(
    (table) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n,
  );
  return {
    fileBytes: onDisk + walBytes,
    walBytes,
    usedBytes: (pages - free) * pageSize,
    freeBytes: free * pageSize,
    rows,
  };
}

function perTable<T>(make: (table: PrunedTable) => T): Record<PrunedTable, T> {
  return { results: make("results"), history: make("history"), usage: make("usage") };
}

const usedBytes = (db: Database): number =>
  (pragmaNumber(db, "page_count") - pragmaNumber(db, "freelist_count")) *
  pragmaNumber(db, "page_size");

/** Lets the bot's handlers run between two batches. */
const yieldToOthers = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Deletes what the policy says is past keeping. Results go by a plain DELETE, so whatever
 * hangs off a result (its passages, by ON DELETE CASCADE) goes with it.
 */
export class DataPruner {
  private readonly statements: Record<
    PrunedTable,
    { remove: Statement<[number]>; oldest: Statement<[], { at: number }> }
  >;
  private readonly deleteHeads;

  constructor(
    private readonly db: Database,
    private readonly policy: RetentionPolicy,
    private readonly now: () => number,
  ) {
    this.statements = perTable((table) => {
      const at = TIME_COLUMN[table];
      return {
        remove: db.prepare<[number]>(
          `DELETE FROM ${table} WHERE id IN
            (SELECT id FROM ${table} WHERE ${at} < ? ORDER BY ${at} LIMIT ${BATCH_ROWS})`,
        ),
        oldest: db.prepare<[], { at: number }>(
          `SELECT ${at} AS at FROM ${table} ORDER BY ${at} LIMIT 1`,
        ),
      };
    });
    // A head only numbers a dialog's conversations: with no turns left it means nothing.
    this.deleteHeads = db.prepare(`
      DELETE FROM conversation_heads WHERE NOT EXISTS (SELECT 1 FROM history h
        WHERE h.chat_id = conversation_heads.chat_id AND h.user_id = conversation_heads.user_id)`);
  }

  /** Whether this policy ever deletes anything. */
  get active(): boolean {
    return this.policy.maxBytes > 0 || PRUNED_TABLES.some((t) => this.policy.maxAgeMs[t] > 0);
  }

  /** One pruning run: by age, then by size, then hands free pages back to the disk. */
  async prune(): Promise<PruneReport> {
    const fileBefore = this.fileBytes();
    const usedBytesBefore = usedBytes(this.db);
    const deleted = { results: 0, history: 0, usage: 0 };
    const now = this.now();
    for (const table of PRUNED_TABLES) {
      const maxAge = this.policy.maxAgeMs[table];
      if (maxAge > 0) deleted[table] += await this.deleteBefore(table, now - maxAge);
    }
    const overCap = await this.pruneToSize(deleted, now - SIZE_PRUNE_FLOOR_MS);
    const heads = deleted.history > 0 ? this.write(() => this.deleteHeads.run().changes) : 0;
    if (deleted.results + deleted.history + deleted.usage > 0) await this.shrinkFile();
    return {
      deleted,
      heads,
      usedBytesBefore,
      usedBytesAfter: usedBytes(this.db),
      fileBytesFreed: Math.max(0, fileBefore - this.fileBytes()),
      overCap,
    };
  }

  /** Deletes a table's rows older than `cutoff`, a batch per transaction. */
  private async deleteBefore(table: PrunedTable, cutoff: number, limit = Infinity) {
    let total = 0;
    while (total < limit) {
      const changes = this.write(() => this.statements[table].remove.run(cutoff).changes);
      total += changes;
      if (changes < BATCH_ROWS) break;
      await yieldToOthers();
    }
    return total;
  }

  /**
   * While the used size is over the cap, deletes a batch from whichever table holds the
   * oldest row, never rows younger than `floor`. True when the cap could not be met.
   */
  private async pruneToSize(deleted: Record<PrunedTable, number>, floor: number) {
    const { maxBytes } = this.policy;
    if (maxBytes <= 0) return false;
    while (usedBytes(this.db) > maxBytes) {
      const candidates = PRUNED_TABLES.map((table) => ({
        table,
        at: this.statements[table].oldest.get()?.at,
      }))
        .filter((c): c is { table: PrunedTable; at: number } => c.at !== undefined && c.at < floor)
        .sort((a, b) => a.at - b.at);
      const next = candidates[0];
      if (!next) return true;
      // Up to the next table's oldest row (or the floor), one batch at a time.
      const until = Math.min(candidates[1]?.at ?? floor, floor);
      const cutoff = until > next.at ? until : next.at + 1;
      deleted[next.table] += await this.deleteBefore(next.table, cutoff, BATCH_ROWS);
      await yieldToOthers();
    }
    return false;
  }

  /**
   * Gives free pages back to the file system where the file allows it (auto_vacuum is
   * INCREMENTAL in files this bot created), then folds the write-ahead log into the file
   * and truncates it. Older files keep their free pages and reuse them for new rows.
   */
  private async shrinkFile() {
    if (pragmaNumber(this.db, "auto_vacuum") === 2) {
      for (let free = pragmaNumber(this.db, "freelist_count"); free > 0;) {
        this.db.pragma(`incremental_vacuum(${VACUUM_PAGES})`);
        const left = pragmaNumber(this.db, "freelist_count");
        if (left >= free) break;
        free = left;
        await yieldToOthers();
      }
    }
    if (!this.db.memory) this.db.pragma("wal_checkpoint(TRUNCATE)");
  }

  private write<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  private fileBytes(): number {
    return this.db.memory ? 0 : fileSize(this.db.name) + fileSize(`${this.db.name}-wal`);
  }
}
