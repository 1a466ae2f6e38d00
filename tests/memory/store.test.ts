import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { Worker } from "node:worker_threads";
import {
  DEFAULT_SETTINGS,
  migrations,
  openDatabase,
  SchemaTooNewError,
  Store,
} from "../../src/memory/index.js";

const tempDirs: string[] = [];
function tempFile(name = "bot.sqlite"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "store-test-"));
  tempDirs.push(dir);
  return path.join(dir, name);
}
after(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

function openStore(file = ":memory:") {
  let clock = 1_000;
  const store = Store.open(file, { now: () => clock });
  return { store, tick: (ms: number) => (clock += ms) };
}

const alice = { chatId: 10, userId: 10 };

describe("history", () => {
  it("keeps turns per (chat, user), in order, with kinds", () => {
    const { store } = openStore();
    store.history.append(alice, [
      { role: "user", kind: "voice", text: "привет" },
      { role: "assistant", kind: "text", text: "Здравствуйте!" },
    ]);
    store.history.append({ chatId: -5, userId: 10 }, [
      { role: "user", kind: "text", text: "in a group" },
    ]);
    store.history.append({ chatId: -5, userId: 11 }, [
      { role: "user", kind: "ocr", text: "bob's scan" },
    ]);
    assert.deepEqual(
      store.history.recent(alice).map((turn) => [turn.role, turn.kind, turn.text]),
      [
        ["user", "voice", "привет"],
        ["assistant", "text", "Здравствуйте!"],
      ],
    );
    assert.deepEqual(
      store.history.recent({ chatId: -5, userId: 11 }).map((turn) => turn.text),
      ["bob's scan"],
    );
  });

  it("returns the newest turns, oldest first, when limited", () => {
    const { store } = openStore();
    for (let i = 1; i <= 5; i++)
      store.history.append(alice, [{ role: "user", kind: "text", text: `m${i}` }]);
    assert.deepEqual(
      store.history.recent(alice, 3).map((turn) => turn.text),
      ["m3", "m4", "m5"],
    );
  });

  it("starts a new conversation on reset, without deleting the old one", () => {
    const { store } = openStore();
    store.history.append(alice, [{ role: "user", kind: "text", text: "old" }]);
    store.history.reset(alice);
    assert.deepEqual(store.history.recent(alice), []);
    store.history.append(alice, [{ role: "user", kind: "text", text: "new" }]);
    assert.deepEqual(
      store.history.recent(alice).map((turn) => turn.text),
      ["new"],
    );
    const stored = store.db.prepare("SELECT COUNT(*) AS n FROM history").get() as { n: number };
    assert.equal(stored.n, 2);
  });
});

describe("settings", () => {
  it("returns defaults, then persists changes", () => {
    const { store } = openStore();
    assert.deepEqual(store.settings.get(7), DEFAULT_SETTINGS);
    store.settings.update(7, { language: "ru", voiceReplies: "always" });
    store.settings.update(7, { normalize: false, readingMode: "accurate" });
    assert.deepEqual(store.settings.get(7), {
      language: "ru",
      voiceReplies: "always",
      ttsVoice: "auto",
      normalize: false,
      readingMode: "accurate",
    });
    assert.deepEqual(store.settings.get(8), DEFAULT_SETTINGS);
  });
});

describe("users and usage", () => {
  it("tracks first and last seen", () => {
    const { store, tick } = openStore();
    store.users.touchUser({ id: 1, firstName: "Ann", languageCode: "ru" });
    tick(5_000);
    store.users.touchUser({ id: 1, firstName: "Anna" });
    const user = store.users.getUser(1);
    assert.deepEqual(user, {
      id: 1,
      firstName: "Anna",
      username: undefined,
      languageCode: "ru",
      firstSeen: 1_000,
      lastSeen: 6_000,
    });
  });

  it("summarizes usage per task within a window", () => {
    const { store, tick } = openStore();
    store.usage.record({ userId: 1, task: "ocr", model: "tesseract", durationMs: 100, ok: true });
    tick(2 * 3_600_000);
    store.usage.record({ userId: 1, task: "ocr", model: "tesseract", durationMs: 300, ok: true });
    store.usage.record({
      userId: 2,
      task: "ocr",
      durationMs: 50,
      ok: false,
      errorCode: "image.corrupt",
    });
    store.usage.record({ userId: 2, task: "chat", durationMs: 900, ok: true });
    assert.deepEqual(store.usage.since(3_600_000), [
      { task: "chat", ok: 1, failed: 0, avgMs: 900 },
      { task: "ocr", ok: 1, failed: 1, avgMs: 175 },
    ]);
    assert.equal(store.usage.since(24 * 3_600_000).find((row) => row.task === "ocr")?.ok, 2);
  });

  it("remembers model footprints", () => {
    const { store } = openStore();
    assert.equal(store.footprints.get("asr"), undefined);
    store.footprints.set("asr", 1234.6);
    store.footprints.set("asr", 2048);
    assert.equal(store.footprints.get("asr"), 2048);
  });
});

describe("forgetUser", () => {
  it("removes every row about the user and nothing about others", () => {
    const { store } = openStore();
    for (const id of [10, 20]) {
      store.users.touchUser({ id, firstName: `u${id}` });
      store.users.touchChat({ id, type: "private" });
      store.history.append({ chatId: id, userId: id }, [
        { role: "user", kind: "text", text: "hi" },
      ]);
      store.history.append({ chatId: -1, userId: id }, [
        { role: "user", kind: "text", text: "group" },
      ]);
      store.history.reset({ chatId: id, userId: id });
      store.settings.update(id, { language: "en" });
      store.usage.record({ userId: id, chatId: id, task: "chat", durationMs: 1, ok: true });
      // Menu state an earlier version kept in the kv table: /forget still clears it.
      store.db
        .prepare(
          "INSERT INTO kv (namespace, key, user_id, value, updated_at) VALUES (?, ?, ?, ?, 0)",
        )
        .run("conversations", `flow:${id}`, id, "{}");
      store.results.save({ chatId: id, userId: id, kind: "ocr", language: "en", text: "r" });
    }
    store.forgetUser(10);

    const countAbout = (id: number) => {
      const rows = [
        "SELECT COUNT(*) AS n FROM users WHERE id = ?",
        "SELECT COUNT(*) AS n FROM chats WHERE id = ?",
        "SELECT COUNT(*) AS n FROM history WHERE user_id = ?",
        "SELECT COUNT(*) AS n FROM conversation_heads WHERE user_id = ?",
        "SELECT COUNT(*) AS n FROM settings WHERE user_id = ?",
        "SELECT COUNT(*) AS n FROM usage WHERE user_id = ?",
        "SELECT COUNT(*) AS n FROM kv WHERE user_id = ?",
        "SELECT COUNT(*) AS n FROM results WHERE user_id = ?",
      ];
      return rows.map((sql) => (store.db.prepare(sql).get(id) as { n: number }).n);
    };
    assert.deepEqual(countAbout(10), [0, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(countAbout(20), [1, 1, 2, 1, 1, 1, 1, 1]);
  });
});

describe("migrations", () => {
  it("migrates a database created by an older version, keeping its data", () => {
    const file = tempFile();
    const old = openDatabase(file, migrations.slice(0, 1));
    assert.equal(old.pragma("user_version", { simple: true }), 1);
    old
      .prepare(
        "INSERT INTO history (chat_id, user_id, role, kind, text, created_at) VALUES (1, 1, 'user', 'text', 'kept', 5)",
      )
      .run();
    old.prepare("INSERT INTO settings (user_id, language, updated_at) VALUES (1, 'ru', 5)").run();
    old.close();

    const store = Store.open(file);
    assert.equal(store.db.pragma("user_version", { simple: true }), migrations.at(-1)?.version);
    assert.deepEqual(
      store.history.recent({ chatId: 1, userId: 1 }).map((turn) => turn.text),
      ["kept"],
    );
    assert.equal(store.settings.get(1).language, "ru");
    store.usage.record({ task: "chat", durationMs: 1, ok: true });
    store.close();
  });

  it("uses WAL and refuses a schema newer than it knows", () => {
    const file = tempFile();
    const db = openDatabase(file);
    assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
    db.pragma("user_version = 999");
    db.close();
    assert.throws(() => Store.open(file), SchemaTooNewError);
  });
});

describe("concurrent writers", () => {
  it("several threads appending at once neither lose rows nor corrupt the file", async () => {
    const file = tempFile();
    Store.open(file).close();
    const writers = 4;
    const turnsEach = 200;
    const workerUrl = new URL("./support/history-writer.ts", import.meta.url);
    await Promise.all(
      Array.from({ length: writers }, (_, index) => {
        const worker = new Worker(new URL("./support/tsx-worker.mjs", import.meta.url), {
          workerData: { script: workerUrl.href, file, userId: index + 1, turns: turnsEach },
        });
        return new Promise<void>((resolve, reject) => {
          worker.once("error", reject);
          worker.once("exit", (code) =>
            code === 0 ? resolve() : reject(new Error(`writer exited ${code}`)),
          );
        });
      }),
    );
    const store = Store.open(file);
    const total = store.db.prepare("SELECT COUNT(*) AS n FROM history").get() as { n: number };
    assert.equal(total.n, writers * turnsEach);
    assert.equal(store.db.pragma("integrity_check", { simple: true }), "ok");
    for (let userId = 1; userId <= writers; userId++) {
      const texts = store.history.recent({ chatId: 1, userId }, turnsEach).map((turn) => turn.text);
      assert.deepEqual(
        texts,
        Array.from({ length: turnsEach }, (_, i) => `turn ${i}`),
      );
    }
    store.close();
  });
});
