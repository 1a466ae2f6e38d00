/**
 * The API key store on a real SQLite file: keys are created with a secret shown once, found
 * by it, revoked, and only their hashes ever reach the disk.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { API_KEY_PREFIX, ApiKeyError, Store } from "../../src/memory/index.js";

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function openStore(start = Date.UTC(2025, 0, 31, 12)) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "api-keys-"));
  dirs.push(dir);
  let now = start;
  const file = path.join(dir, "bot.sqlite");
  const store = Store.open(file, { now: () => now });
  return { store, file, dir, advance: (ms: number) => (now += ms) };
}

describe("API key store", () => {
  it("creates a key whose secret finds it; a wrong secret finds nothing", () => {
    const { store } = openStore();
    assert.equal(store.apiKeys.hasAny(), false);
    const { secret, key } = store.apiKeys.create({ name: "n8n", limits: { ratePerMin: 10 } });
    assert.match(secret, new RegExp(`^${API_KEY_PREFIX}[A-Za-z0-9_-]{43}$`), "256 random bits");
    assert.deepEqual(key.limits, {
      ratePerMin: 10,
      dailyAudioMin: null,
      dailyPages: null,
      dailyTokens: null,
    });
    assert.equal(store.apiKeys.find(secret)?.name, "n8n");
    assert.equal(store.apiKeys.find(`${secret}x`), undefined);
    assert.equal(store.apiKeys.find(""), undefined);
    assert.equal(store.apiKeys.hasAny(), true);
    const other = store.apiKeys.create({ name: "admin", admin: true });
    assert.notEqual(other.secret, secret);
    assert.equal(store.apiKeys.find(other.secret)?.admin, true);
    store.close();
  });

  it("lists keys by name and revokes one for good, keeping the first revocation time", () => {
    const { store, advance } = openStore();
    const { secret } = store.apiKeys.create({ name: "scripts" });
    store.apiKeys.create({ name: "editor" });
    assert.deepEqual(
      store.apiKeys.list().map((key) => [key.name, key.revokedAt]),
      [
        ["editor", null],
        ["scripts", null],
      ],
    );
    advance(1000);
    const revoked = store.apiKeys.revoke("scripts");
    assert.equal(revoked.revokedAt, Date.UTC(2025, 0, 31, 12) + 1000);
    advance(1000);
    assert.equal(store.apiKeys.revoke("scripts").revokedAt, revoked.revokedAt);
    assert.equal(store.apiKeys.find(secret)?.revokedAt, revoked.revokedAt, "still found: revoked");
    assert.throws(() => store.apiKeys.revoke("nobody"), { code: "key.unknown" });
    store.close();
  });

  it("refuses a duplicate name, a bad name and a bad limit, clearly", () => {
    const { store } = openStore();
    store.apiKeys.create({ name: "n8n" });
    assert.throws(
      () => store.apiKeys.create({ name: "n8n" }),
      (error: unknown) => error instanceof ApiKeyError && error.code === "key.exists",
    );
    for (const name of ["", "has space", "anonymous", "x".repeat(65), "-dash"])
      assert.throws(() => store.apiKeys.create({ name }), { code: "key.bad_name" }, name);
    assert.throws(() => store.apiKeys.create({ name: "a", limits: { dailyPages: -1 } }), {
      code: "key.bad_limit",
    });
    assert.throws(() => store.apiKeys.create({ name: "b", limits: { ratePerMin: 1.5 } }), {
      code: "key.bad_limit",
    });
    store.close();
  });

  it("keeps only hashes on disk: no secret appears in the database or its WAL", () => {
    const { store, dir } = openStore();
    const secrets = ["one", "two", "three"].map((name) => store.apiKeys.create({ name }).secret);
    const bytesOnDisk = () =>
      Buffer.concat(fs.readdirSync(dir).map((file) => fs.readFileSync(path.join(dir, file))));
    const haystacks = [bytesOnDisk()];
    store.db.pragma("wal_checkpoint(TRUNCATE)");
    store.close();
    haystacks.push(bytesOnDisk());
    for (const bytes of haystacks) {
      assert.ok(bytes.includes("three"), "the names are there: the search works");
      for (const secret of secrets) {
        assert.equal(bytes.includes(secret), false);
        assert.equal(bytes.includes(secret.slice(API_KEY_PREFIX.length)), false);
      }
    }
  });

  it("sums usage per key and UTC day, with failures and amounts, for the last N days", () => {
    const { store, advance } = openStore(Date.UTC(2025, 0, 30, 23, 0));
    store.apiKeys.create({ name: "n8n" });
    store.apiKeys.create({ name: "idle" });
    const record = (owner: string, extra: object = {}) =>
      store.usage.record({ owner, task: "asr", durationMs: 5, ok: true, ...extra });
    record("key:n8n", { audioS: 30.25 });
    record("tg:7", { audioS: 99 });
    advance(2 * 3_600_000); // Jan 31, 01:00 UTC
    record("key:n8n", { task: "ocr", pages: 3 });
    record("key:n8n", { task: "chat", tokens: 120 });
    record("key:n8n", { task: "ocr", ok: false, errorCode: "pdf.corrupt" });
    record("key:anonymous", { task: "chat", tokens: 7 });

    const report = store.apiKeys.usageReport({ days: 2 });
    assert.equal(report.from, "2025-01-30");
    assert.equal(report.to, "2025-01-31");
    assert.deepEqual(
      report.keys.map((key) => key.name),
      ["anonymous", "idle", "n8n"],
      "every key, and any other key: owner that used the API",
    );
    const n8n = report.keys.find((key) => key.name === "n8n")!;
    assert.deepEqual(n8n.days, [
      { day: "2025-01-30", requests: 1, failures: 0, audioSeconds: 30.3, pages: 0, tokens: 0 },
      { day: "2025-01-31", requests: 3, failures: 1, audioSeconds: 0, pages: 3, tokens: 120 },
    ]);
    assert.deepEqual(n8n.total, {
      requests: 4,
      failures: 1,
      audioSeconds: 30.3,
      pages: 3,
      tokens: 120,
    });
    assert.deepEqual(store.apiKeys.usageReport({ days: 1, name: "n8n" }).keys[0]!.days.length, 1);
    assert.throws(() => store.apiKeys.usageReport({ days: 1, name: "ghost" }), {
      code: "key.unknown",
    });
    assert.deepEqual(store.usage.totalsOf("key:n8n", Date.UTC(2025, 0, 31)), {
      requests: 3,
      failures: 1,
      audioS: 0,
      pages: 3,
      tokens: 120,
    });
    store.close();
  });

  it("uses the owner index for a key's daily totals", () => {
    const { store } = openStore();
    const plan = store.db
      .prepare("EXPLAIN QUERY PLAN SELECT SUM(pages) FROM usage WHERE owner = ? AND at >= ?")
      .all("key:x", 0) as { detail: string }[];
    assert.match(plan.map((row) => row.detail).join("\n"), /usage_by_owner/);
    store.close();
  });
});
