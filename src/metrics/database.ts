/**
 * The database's size as Prometheus gauges, read at scrape time: the file on disk (WAL
 * included), the pages in use and free inside it, and the rows of the tables that grow.
 * Alert on bot_database_used_bytes against DATA_MAX_MB, or on the disk's own free space.
 */
import { Gauge, type Registry } from "prom-client";
import { PRUNED_TABLES, type DatabaseSize } from "../memory/index.js";

export const DATABASE_METRIC_NAMES = {
  fileBytes: "bot_database_file_bytes",
  walBytes: "bot_database_wal_bytes",
  usedBytes: "bot_database_used_bytes",
  freeBytes: "bot_database_free_bytes",
  rows: "bot_database_rows",
} as const;

type ByteField = "fileBytes" | "walBytes" | "usedBytes" | "freeBytes";
const BYTE_GAUGES: Record<ByteField, string> = {
  fileBytes: "The SQLite database on disk: the main file plus its write-ahead log, in bytes.",
  walBytes: "The write-ahead log alone, in bytes.",
  usedBytes: "Database pages holding data, in bytes (what DATA_MAX_MB caps).",
  freeBytes: "Free pages inside the database file, reused before it grows, in bytes.",
};

/** One scrape reads every gauge; the size is measured once for all of them. */
const SAMPLE_TTL_MS = 1000;

/** Registers the database gauges on `registry`, reading `measure` at scrape time. */
export function bindDatabaseMetrics(
  registry: Registry,
  measure: () => DatabaseSize,
  now: () => number = Date.now,
): void {
  let cached: { at: number; size: DatabaseSize } | undefined;
  const sample = (): DatabaseSize => {
    const at = now();
    if (!cached || at - cached.at > SAMPLE_TTL_MS) cached = { at, size: measure() };
    return cached.size;
  };
  for (const [field, help] of Object.entries(BYTE_GAUGES) as [ByteField, string][])
    new Gauge({
      name: DATABASE_METRIC_NAMES[field],
      help,
      registers: [registry],
      collect() {
        this.set(sample()[field]);
      },
    });
  new Gauge({
    name: DATABASE_METRIC_NAMES.rows,
    help: "Rows of the tables the pruner keeps in check (results, history, usage).",
    labelNames: ["table"] as const,
    registers: [registry],
    collect() {
      const { rows } = sample();
      for (const table of PRUNED_TABLES) this.set({ table }, rows[table]);
    },
  });
}
