/**
 * The data lifecycle on a real SQLite file: old results, history and usage go by age and
 * by the size cap, recent data stays, the stores keep working, and the file shrinks.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { after, describe, it } from "node:test";
import pino from "pino";
import { retentionPolicy, startPruning } from "../../src/app/retention.js";
import { Store, type RetentionPolicy } from "../../src/memory/index.js";
import { ManualClock } from "../../src/shared/clock.js";

const DAY = 24 * 3_600_000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retention-test-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshFile = () => path.join(dir, `bot-${files++}.sqlite`);

const policy = (days: Partial<Record<"results" | "history" | "usage", number>>, maxBytes = 0) =>
  ({
    maxAgeMs: {
      results: (days.results ?? 0) * DAY,
      history: (days.history ?? 0) * DAY,
      usage: (days.usage ?? 0) * DAY,
    },
    maxBytes,
  }) satisfies RetentionPolicy;

/** A store on its own file whose time is the manual clock's. */
function openStore(clock: ManualClock, file = freshFile()) {
  return Store.open(file, { now: () => clock.now() });
}

const saveResult = (store: Store, userId: number, text = "some text") =>
  store.results.save({ chatId: userId, userId, kind: "ocr", language: "en", text });

const say = (store: Store, userId: number, text: string) =>
  store.history.append({ chatId: userId, userId }, [
    { role: "user", kind: "text", text },
    { role: "assistant", kind: "text", text: `re: ${text}` },
  ]);

const count = (store: Store, table: string) =>
  (store.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

describe("pruning by age", () => {
  it("deletes rows past their age, keeps recent ones, and the stores work after", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const store = openStore(clock);
    const oldResult = saveResult(store, 1);
    say(store, 1, "old");
    store.history.reset({ chatId: 1, userId: 1 });
    say(store, 2, "old too");
    store.usage.record({ owner: "key:a", task: "ocr", durationMs: 5, ok: true, pages: 1 });
    await clock.advance(20 * DAY);
    const newResult = saveResult(store, 1);
    say(store, 2, "recent");
    await clock.advance(15 * DAY);
    store.usage.record({ owner: "key:a", task: "ocr", durationMs: 5, ok: true, pages: 2 });

    const report = await store.pruner(policy({ results: 30, history: 30, usage: 1 })).prune();

    assert.deepEqual(report.deleted, { results: 1, history: 4, usage: 1 });
    assert.equal(store.results.get(oldResult), undefined);
    assert.equal(store.results.get(newResult)?.id, newResult, "a 15-day-old result stays");
    assert.deepEqual(
      store.history.recent({ chatId: 2, userId: 2 }).map((turn) => turn.text),
      ["recent", "re: recent"],
    );
    // User 1 has no turns left: their conversation head went too; user 2 had none.
    assert.equal(report.heads, 1);
    assert.equal(count(store, "conversation_heads"), 0);
    const today = Math.floor(clock.now() / DAY) * DAY;
    assert.equal(store.usage.totalsOf("key:a", today).pages, 2, "today's usage (quotas) stays");

    // Everything still works on the pruned file.
    say(store, 1, "hello again");
    store.history.reset({ chatId: 1, userId: 1 });
    say(store, 1, "new conversation");
    assert.deepEqual(
      store.history.recent({ chatId: 1, userId: 1 }).map((turn) => turn.text),
      ["new conversation", "re: new conversation"],
    );
    const next = saveResult(store, 1);
    assert.ok(next > newResult, "ids are never reused");
    assert.ok(store.results.wasIssued(oldResult) && !store.results.wasIssued(next + 1));
    store.forgetUser(1);
    assert.deepEqual(store.results.ofUser(1), []);
    store.close();
  });

  it("keeps everything when every age is 0 and there is no cap", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const store = openStore(clock);
    saveResult(store, 1);
    say(store, 1, "kept");
    store.usage.record({ task: "ocr", durationMs: 5, ok: true });
    await clock.advance(3650 * DAY);
    const pruner = store.pruner(policy({}));
    assert.equal(pruner.active, false);
    const report = await pruner.prune();
    assert.deepEqual(report.deleted, { results: 0, history: 0, usage: 0 });
    assert.deepEqual([count(store, "results"), count(store, "history")], [1, 2]);
    store.close();
  });
});

describe("pruning by size", () => {
  it("deletes the oldest rows of any table until under the cap, never the last day's", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const store = openStore(clock);
    const big = "x".repeat(20_000);
    const ids: number[] = [];
    // 100 days of one 20 kB result and a few turns a day: about 2.3 MB.
    for (let day = 0; day < 100; day++) {
      ids.push(saveResult(store, 1, big));
      say(store, 1, `day ${day} ${"y".repeat(500)}`);
      await clock.advance(DAY);
    }
    const youngest = saveResult(store, 1, big);
    const before = store.size();
    assert.ok(before.usedBytes > 2_000_000, `filled: ${before.usedBytes}`);

    const cap = 1_000_000;
    const report = await store.pruner(policy({}, cap)).prune();

    assert.equal(report.overCap, false);
    assert.ok(report.usedBytesAfter <= cap, `${report.usedBytesAfter} <= ${cap}`);
    assert.ok(report.usedBytesAfter > cap / 2, "it stops soon after reaching the cap");
    const kept = ids.filter((id) => store.results.get(id));
    assert.ok(kept.length > 0 && kept.length < ids.length);
    assert.deepEqual(kept, ids.slice(ids.length - kept.length), "the newest stay, oldest go first");
    assert.ok(report.deleted.history > 0, "turns go as well, by age across tables");
    assert.ok(store.results.get(youngest));

    // A cap no day's data fits in: only rows older than a day go, and it says so.
    const tiny = await store.pruner(policy({}, 4096)).prune();
    assert.equal(tiny.overCap, true);
    assert.ok(store.results.get(youngest), "the last 24 hours are never pruned for size");
    const oldest = store.db.prepare("SELECT MIN(created_at) AS at FROM results").get() as {
      at: number;
    };
    assert.ok(oldest.at >= clock.now() - DAY, "everything older than a day went");
    store.close();
  });

  it("gives freed pages back to the disk: the file shrinks (WAL included)", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const file = freshFile();
    const store = openStore(clock, file);
    assert.equal(store.db.pragma("auto_vacuum", { simple: true }), 2, "INCREMENTAL in new files");
    for (let i = 0; i < 300; i++) saveResult(store, 1, "z".repeat(10_000));
    store.db.pragma("wal_checkpoint(TRUNCATE)");
    const onDisk = () =>
      fs.statSync(file).size + (fs.statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0);
    const before = onDisk();
    await clock.advance(40 * DAY);
    saveResult(store, 1, "recent");

    const report = await store.pruner(policy({ results: 30 })).prune();

    assert.equal(report.deleted.results, 300);
    const afterBytes = onDisk();
    assert.ok(before > 3_000_000 && afterBytes < 200_000, `${before} -> ${afterBytes} bytes`);
    assert.ok(report.fileBytesFreed >= before - afterBytes - 100_000);
    assert.equal(store.size().freeBytes, 0);
    store.close();
  });
});

describe("the pruning schedule", () => {
  it("runs at start and every interval on the clock, logs what it freed, and stops", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const store = openStore(clock);
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: "debug" },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      }),
    );
    saveResult(store, 1);
    await clock.advance(31 * DAY);
    const pruning = startPruning({
      pruner: store.pruner(
        retentionPolicy({
          resultsMaxAgeDays: 30,
          historyMaxAgeDays: 90,
          usageMaxAgeDays: 90,
          maxBytes: 0,
          intervalMs: DAY,
        }),
      ),
      clock,
      intervalMs: DAY,
      logger,
    });
    assert.equal((await pruning.running)?.deleted.results, 1, "ran at start");
    await clock.advance(0);
    const pruned = lines.find((line) => line.msg === "pruned old data");
    assert.deepEqual(pruned?.deleted, { results: 1, history: 0, usage: 0 });
    assert.equal(typeof pruned?.usedBytesBefore, "number");

    saveResult(store, 2);
    await clock.advance(30 * DAY);
    await pruning.running;
    assert.equal(count(store, "results"), 1, "30 days old is not yet past 30 days");
    await clock.advance(DAY);
    await pruning.running;
    assert.equal(count(store, "results"), 0, "the run a day later took it");

    await pruning.stop();
    assert.equal(clock.pending, 0, "no further run is scheduled");
    store.close();
  });
});
