/**
 * The pruner on a big file: 60 days of traffic (per day 1,000 results of 5 kB, 2,000 turns,
 * 1,000 usage rows), then pruning by age (30 days) and by size (a 50 MiB cap). Prints the
 * time, the number of transactions and the longest one (how long the bot's writes could
 * wait), and the file on disk before and after. About a minute on 2 cores.
 *
 *     npm run bench:prune [-- --days 60 --per-day 1000]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Store, type RetentionPolicy } from "../src/memory/index.js";

const DAY = 86_400_000;
const argument = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
};
const days = argument("days", 60);
const perDay = argument("per-day", 1000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-prune-"));
const file = path.join(dir, "bot.sqlite");
let now = Date.UTC(2026, 0, 1);
const store = Store.open(file, { now: () => now });
const onDisk = () =>
  fs.statSync(file).size + (fs.statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0);
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

const text = "x".repeat(5000);
const oneDay = store.db.transaction(() => {
  for (let i = 0; i < perDay; i++) {
    store.results.save({ chatId: i, userId: i, kind: "ocr", language: "en", text });
    store.history.append({ chatId: i, userId: i }, [
      { role: "user", kind: "text", text: "hello ".repeat(40) },
      { role: "assistant", kind: "text", text: "answer ".repeat(60) },
    ]);
    store.usage.record({ owner: `tg:${i}`, task: "chat", durationMs: 10, ok: true });
  }
});
for (let day = 0; day < days; day++, now += DAY) oneDay();
store.db.pragma("wal_checkpoint(TRUNCATE)");

// Times every write transaction and vacuum step the pruner takes.
let longest = 0;
let steps = 0;
const timed = <T>(work: () => T): T => {
  const started = performance.now();
  try {
    return work();
  } finally {
    longest = Math.max(longest, performance.now() - started);
    steps++;
  }
};
const transaction = store.db.transaction.bind(store.db);
store.db.transaction = ((fn: (...args: unknown[]) => unknown) => {
  const tx = transaction(fn);
  return Object.assign((...args: unknown[]) => tx(...args), {
    immediate: (...args: unknown[]) => timed(() => tx.immediate(...args)),
  });
}) as typeof store.db.transaction;
const pragma = store.db.pragma.bind(store.db);
store.db.pragma = ((source: string, options?: { simple?: boolean }) =>
  /^(incremental_vacuum|wal_checkpoint)/.test(source)
    ? timed(() => pragma(source, options))
    : pragma(source, options)) as typeof store.db.pragma;

async function run(label: string, policy: RetentionPolicy) {
  longest = 0;
  steps = 0;
  const before = onDisk();
  const started = performance.now();
  const report = await store.pruner(policy).prune();
  const ms = performance.now() - started;
  const rows = report.deleted.results + report.deleted.history + report.deleted.usage;
  console.log(
    `${label}: ${rows} rows (${JSON.stringify(report.deleted)}) in ${(ms / 1000).toFixed(1)} s, ` +
      `${steps} steps, longest ${longest.toFixed(0)} ms; file ${mb(before)} -> ${mb(onDisk())}`,
  );
}

const sized = performance.now();
const size = store.size();
console.log(
  `${days} days x ${perDay}: ${mb(size.fileBytes)}, rows ${JSON.stringify(size.rows)}; ` +
    `measuring the size (/status, a scrape) took ${(performance.now() - sized).toFixed(0)} ms`,
);
await run("by age (30 days)", {
  maxAgeMs: { results: 30 * DAY, history: 30 * DAY, usage: 30 * DAY },
  maxBytes: 0,
});
await run("by size (50 MiB)", {
  maxAgeMs: { results: 0, history: 0, usage: 0 },
  maxBytes: 50 * 2 ** 20,
});
store.close();
fs.rmSync(dir, { recursive: true, force: true });
