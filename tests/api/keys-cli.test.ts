/**
 * `npm run keys` as a person runs it: a process on a temp DATA_DIR. A created secret works
 * with the server's key check, `list` never shows it, `revoke` refuses it, `usage` is JSON.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { storeKeyVerifier } from "../../src/api/key-verifier.js";
import { Store } from "../../src/memory/index.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
let dataDir: string;

before(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "keys-cli-"));
});
after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

async function keys(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "scripts/keys.ts", ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH, DATA_DIR: dataDir, LOG_LEVEL: "silent" } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** The bot's own view of the same database. */
function withStore<T>(use: (store: Store) => T): T {
  const store = Store.open(path.join(dataDir, "bot.sqlite"));
  try {
    return use(store);
  } finally {
    store.close();
  }
}

describe("npm run keys", () => {
  let secret = "";

  it("adds a key and prints its secret once; the secret verifies as that key", async () => {
    const added = await keys("add", "n8n", "--rpm", "30", "--daily-pages", "100");
    assert.equal(added.code, 0, added.stderr);
    secret = /^(ltb_\S+)$/m.exec(added.stdout)?.[1] ?? "";
    assert.ok(secret, added.stdout);
    assert.match(added.stdout, /won't be shown again/);
    const check = withStore((store) => storeKeyVerifier(store.apiKeys).check(secret));
    assert.deepEqual(check, {
      ok: true,
      caller: { name: "n8n", admin: false, owner: { id: "key:n8n" } },
    });
    const admin = await keys("add", "ops", "--admin");
    assert.equal(admin.code, 0, admin.stderr);
    assert.match(admin.stdout, /\(admin\)/);
  });

  it("lists keys with their limits and never a secret", async () => {
    const listed = await keys("list");
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(
      listed.stdout,
      /^n8n\s+active\s+\S+\s+30 req\/min, default audio min\/day, 100 pages\/day/m,
    );
    assert.match(listed.stdout, /^ops\s+admin\s+active/m);
    assert.doesNotMatch(listed.stdout, /ltb_/);
  });

  it("refuses a duplicate name, an unknown name, bad numbers and an unknown command", async () => {
    const duplicate = await keys("add", "n8n");
    assert.equal(duplicate.code, 1);
    assert.match(duplicate.stderr, /a key named "n8n" already exists/);
    const badNumber = await keys("add", "other", "--daily-tokens", "lots");
    assert.equal(badNumber.code, 2);
    assert.match(badNumber.stderr, /--daily-tokens must be a whole number >= 0.*"lots"/);
    const unknown = await keys("revoke", "ghost");
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no key is named "ghost"/);
    const command = await keys("rotate", "n8n");
    assert.equal(command.code, 2);
    assert.match(command.stderr, /unknown command "rotate"[\s\S]*Usage: npm run keys/);
    assert.equal(
      withStore((store) => store.apiKeys.get("other")),
      undefined,
    );
  });

  it("revokes a key: its secret is refused from then on", async () => {
    const revoked = await keys("revoke", "n8n");
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, /Revoked API key "n8n"/);
    const check = withStore((store) => storeKeyVerifier(store.apiKeys).check(secret));
    assert.deepEqual(check, { ok: false, reason: "revoked" });
    assert.match((await keys("list")).stdout, /^n8n\s+revoked /m);
  });

  it("prints usage per key and UTC day as JSON", async () => {
    withStore((store) => {
      store.usage.record({ owner: "key:ops", task: "asr", durationMs: 9, ok: true, audioS: 12 });
      store.usage.record({ owner: "key:ops", task: "chat", durationMs: 9, ok: false });
    });
    const printed = await keys("usage", "ops", "--days", "3");
    assert.equal(printed.code, 0, printed.stderr);
    const report = JSON.parse(printed.stdout) as {
      from: string;
      to: string;
      keys: { name: string; days: { day: string }[] }[];
    };
    const today = new Date().toISOString().slice(0, 10);
    assert.equal(report.to, today);
    assert.deepEqual(report.keys, [
      {
        name: "ops",
        total: { requests: 2, failures: 1, audioSeconds: 12, pages: 0, tokens: 0 },
        days: [{ day: today, requests: 2, failures: 1, audioSeconds: 12, pages: 0, tokens: 0 }],
      },
    ]);
    const all = JSON.parse((await keys("usage")).stdout) as { keys: { name: string }[] };
    assert.deepEqual(
      all.keys.map((key) => key.name),
      ["n8n", "ops"],
    );
    assert.equal((await keys("usage", "--days", "0")).code, 2);
  });
});
