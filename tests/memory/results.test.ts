import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { isEmptyExport, Store } from "../../src/memory/index.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "results-test-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("results", () => {
  it("keeps a result with its segments across a reopen of the file", () => {
    const file = path.join(dir, "bot.sqlite");
    const first = Store.open(file, { now: () => 5_000 });
    const segments = [
      { startS: 0, endS: 1.5, text: "Hello" },
      { startS: 1.5, endS: 3, text: "world" },
    ];
    const id = first.results.save({
      chatId: -5,
      userId: 7,
      kind: "transcript",
      language: "en",
      text: "Hello world",
      segments,
    });
    first.close();

    const second = Store.open(file);
    assert.deepEqual(second.results.get(id), {
      id,
      chatId: -5,
      userId: 7,
      kind: "transcript",
      language: "en",
      text: "Hello world",
      segments,
      createdAt: 5_000,
    });
    assert.equal(second.results.get(id + 1), undefined);
    second.close();
  });
});

describe("export", () => {
  it("holds the user's settings, history, usage and results, and nothing of others", () => {
    let clock = 1_000;
    const store = Store.open(":memory:", { now: () => clock++ });
    for (const id of [10, 20]) {
      store.users.touchUser({ id, firstName: `u${id}` });
      store.history.append({ chatId: id, userId: id }, [
        { role: "user", kind: "text", text: `question of ${id}` },
        { role: "assistant", kind: "text", text: `answer to ${id}` },
      ]);
      store.usage.record({ userId: id, chatId: id, task: "chat", durationMs: 12, ok: true });
      store.results.save({ chatId: id, userId: id, kind: "ocr", language: "ru", text: `r${id}` });
    }
    store.history.reset({ chatId: 10, userId: 10 });
    store.history.append({ chatId: -3, userId: 10 }, [{ role: "user", kind: "voice", text: "g" }]);
    store.settings.update(10, { language: "ru" });

    const data = store.exporter.export(10);
    assert.equal(data.profile?.firstName, "u10");
    assert.deepEqual(data.settings, { ...store.settings.get(10) });
    assert.deepEqual(
      data.history.map((turn) => [turn.chatId, turn.conversation, turn.role, turn.text]),
      [
        [10, 0, "user", "question of 10"],
        [10, 0, "assistant", "answer to 10"],
        [-3, 0, "user", "g"],
      ],
    );
    assert.deepEqual(
      data.usage.map((event) => [event.task, event.ok, event.durationMs]),
      [["chat", true, 12]],
    );
    assert.deepEqual(
      data.results.map((result) => result.text),
      ["r10"],
    );
    assert.equal(isEmptyExport(data), false);

    store.forgetUser(10);
    const after = store.exporter.export(10);
    assert.equal(isEmptyExport(after), true);
    assert.equal(after.profile, null);
    assert.equal(isEmptyExport(store.exporter.export(20)), false);
    store.close();
  });
});
