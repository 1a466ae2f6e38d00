/**
 * Backups and restores on real files: a backup taken while another thread writes in a loop
 * is one consistent snapshot; `npm run backup` writes where DATA_DIR says and keeps the last
 * N; a restore refuses a database in use or a damaged backup, and round-trips the data.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Worker } from "node:worker_threads";
import { after, describe, it } from "node:test";
import BetterSqlite3 from "better-sqlite3";
import {
  backupDatabase,
  BackupError,
  databaseInUse,
  restoreDatabase,
} from "../../src/memory/backup.js";
import { openDatabase, Store } from "../../src/memory/index.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "backup-test-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
let files = 0;
const fresh = (name = "bot") => path.join(dir, `${name}-${files++}.sqlite`);

const count = (db: BetterSqlite3.Database, table: string) =>
  (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

/** Starts a thread writing a turn and a result per transaction until `stop()`. */
function busyWriter(file: string) {
  const counter = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(new URL("./support/tsx-worker.mjs", import.meta.url), {
    workerData: {
      script: new URL("./support/busy-writer.ts", import.meta.url).href,
      file,
      counter,
    },
  });
  const exited = new Promise<void>((resolve, reject) => {
    worker.once("error", reject);
    worker.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
  });
  /** Blocks until the writer has committed `more` further transactions. */
  const waitForWrites = (more: number) => {
    const target = Atomics.load(counter, 0) + more;
    for (let seen = Atomics.load(counter, 0); seen < target; seen = Atomics.load(counter, 0))
      assert.notEqual(Atomics.wait(counter, 0, seen, 10_000), "timed-out", "the writer writes");
    return Atomics.load(counter, 0);
  };
  return {
    waitForWrites,
    written: () => Atomics.load(counter, 0),
    async stop() {
      Atomics.store(counter, 1, 1);
      await exited;
    },
  };
}

describe("backup", () => {
  it("is one consistent snapshot while another connection writes in a loop", async () => {
    const source = fresh();
    Store.open(source).close();
    const writer = busyWriter(source);
    writer.waitForWrites(50);
    let atCopy = 0;
    const target = fresh("backup");
    await backupDatabase(source, target, {
      // The backup has begun: the writer commits more before and while the pages are copied.
      beforeCopy: () => {
        atCopy = writer.waitForWrites(20);
      },
    });
    const during = writer.written();
    writer.waitForWrites(20);
    await writer.stop();

    const copy = new BetterSqlite3(target, { readonly: true });
    assert.equal(copy.pragma("integrity_check", { simple: true }), "ok");
    const results = count(copy, "results");
    const turns = count(copy, "history");
    assert.equal(results, turns, "each transaction is in the copy whole, or not at all");
    assert.ok(results >= atCopy, `every write committed before the copy: ${results} >= ${atCopy}`);
    const maxId = (copy.prepare("SELECT MAX(id) AS id FROM results").get() as { id: number }).id;
    assert.equal(maxId, results, "no gaps");
    copy.close();
    const live = openDatabase(source);
    assert.ok(count(live, "results") > during, "the writer went on after the copy");
    live.close();
    const store = Store.open(target);
    assert.equal(store.results.get(1)?.text, "result 1", "the bot's stores open the copy");
    store.close();
  });

  it("npm run backup writes a timestamped file under $DATA_DIR/backups and keeps the last N", async () => {
    const dataDir = fs.mkdtempSync(path.join(dir, "data-"));
    const store = Store.open(path.join(dataDir, "bot.sqlite"));
    store.results.save({ chatId: 1, userId: 1, kind: "ocr", language: "en", text: "kept" });
    const run = (...args: string[]) =>
      promisify(execFile)(process.execPath, ["--import", "tsx", "scripts/backup.ts", ...args], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, DATA_DIR: dataDir },
      });
    const backups = path.join(dataDir, "backups");
    // Older backups from earlier days (the bot keeps running meanwhile: `store` stays open).
    fs.mkdirSync(backups);
    for (const day of ["01", "02", "03"])
      fs.writeFileSync(path.join(backups, `bot-202601${day}-030000Z.sqlite`), "old");
    fs.writeFileSync(path.join(backups, "notes.txt"), "not a backup");

    const { stdout } = await run("--keep", "2");
    const [line, ...removed] = stdout.trim().split("\n");
    const [file, size] = line!.split("\t");
    assert.match(path.basename(file!), /^bot-\d{8}-\d{6}Z\.sqlite$/);
    assert.equal(path.dirname(file!), backups);
    assert.equal(size, `${fs.statSync(file!).size} bytes`);
    assert.equal(removed.length, 2);
    assert.deepEqual(fs.readdirSync(backups).sort(), [
      "bot-20260103-030000Z.sqlite",
      path.basename(file!),
      "notes.txt",
    ]);
    const copy = Store.open(file!);
    assert.equal(copy.results.get(1)?.text, "kept");
    copy.close();

    const named = path.join(dir, "named-backup.sqlite");
    await run(named);
    assert.ok(fs.existsSync(named));
    await assert.rejects(run(named), /exists already/, "never overwrites a backup");
    store.close();
  });
});

describe("restore", () => {
  it("refuses while the database is open, then round-trips, keeping the replaced file", async () => {
    const live = fresh();
    const clockless = Store.open(live);
    clockless.results.save({ chatId: 1, userId: 1, kind: "ocr", language: "en", text: "before" });
    clockless.history.append({ chatId: 1, userId: 1 }, [
      { role: "user", kind: "text", text: "hi" },
    ]);
    const backup = fresh("backup");
    await backupDatabase(live, backup);
    clockless.results.save({ chatId: 1, userId: 1, kind: "ocr", language: "en", text: "after" });

    assert.equal(databaseInUse(live), true, "an idle open connection counts");
    assert.throws(
      () => restoreDatabase(backup, live, new Date()),
      (error: Error) => error instanceof BackupError && /in use/.test(error.message),
    );
    clockless.close();
    assert.equal(databaseInUse(live), false);

    const kept = restoreDatabase(backup, live, new Date(Date.UTC(2026, 0, 31, 23, 59, 59)));
    assert.equal(kept, `${live}.before-restore-20260131-235959Z`);
    assert.ok(!fs.existsSync(`${live}-wal`) || fs.statSync(`${live}-wal`).size === 0);

    const db = openDatabase(live);
    assert.deepEqual(
      db.prepare("SELECT text FROM results ORDER BY id").pluck().all(),
      ["before"],
      "the backup's data, not what came after",
    );
    db.close();
    const store = Store.open(live);
    assert.deepEqual(
      store.history.recent({ chatId: 1, userId: 1 }).map((turn) => turn.text),
      ["hi"],
    );
    store.results.save({ chatId: 1, userId: 1, kind: "ocr", language: "en", text: "new" });
    store.close();
    const old = new BetterSqlite3(kept!, { readonly: true });
    assert.equal(count(old, "results"), 2, "the replaced file is whole, WAL folded in");
    old.close();
  });

  it("refuses a damaged backup and leaves the database alone", () => {
    const live = fresh();
    const store = Store.open(live);
    store.results.save({
      chatId: 1,
      userId: 1,
      kind: "ocr",
      language: "en",
      text: "x".repeat(50_000),
    });
    store.db.pragma("wal_checkpoint(TRUNCATE)");
    store.close();
    const damaged = fresh("damaged");
    const bytes = fs.readFileSync(live);
    // Garbage over a page in the middle: a b-tree page SQLite's check will notice.
    bytes.fill(0xab, 4096 * 3, 4096 * 4);
    fs.writeFileSync(damaged, bytes);
    assert.throws(
      () => restoreDatabase(damaged, live, new Date()),
      (error: Error) =>
        error instanceof BackupError && /integrity_check|not a readable/.test(error.message),
    );
    fs.writeFileSync(damaged, "not a database at all");
    assert.throws(() => restoreDatabase(damaged, live, new Date()), BackupError);
    const intact = Store.open(live);
    assert.equal(intact.results.get(1)?.text.length, 50_000);
    intact.close();
  });
});
