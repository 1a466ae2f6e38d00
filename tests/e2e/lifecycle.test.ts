/**
 * End to end, process lifecycle: what a user set and said survives a restart (SIGTERM,
 * then a new process on the same DATA_DIR), and SIGTERM in the middle of a job lets the
 * job finish, delivers its reply and exits 0.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Message } from "@grammyjs/types";
import Database from "better-sqlite3";
import type { BotApiServer } from "../support/bot-api/index.js";
import { E2E, FIXTURE_ANSWER, sentText } from "./harness.js";
import { assertSigtermDuringJobFinishesIt } from "./scenarios.js";

interface HistoryRow {
  role: string;
  kind: string;
  text: string;
}

describe("e2e: restart and graceful shutdown", () => {
  let e2e: E2E;
  let server: BotApiServer;

  before(async () => {
    // A job must be able to finish within the shutdown timeout even on 2 busy CI cores.
    e2e = await E2E.start({ env: { SHUTDOWN_TIMEOUT: "30s" } });
    server = e2e.server;
  });

  after(async () => {
    await e2e?.close();
  });

  /** The dialog's stored turns, read from the bot's SQLite file (read-only, beside the bot). */
  const historyOf = (chatId: number, userId: number): HistoryRow[] => {
    const db = new Database(path.join(e2e.dataDir, "bot.sqlite"), {
      readonly: true,
      fileMustExist: true,
    });
    try {
      return db
        .prepare(
          "SELECT role, kind, text FROM history WHERE chat_id = ? AND user_id = ? ORDER BY id",
        )
        .all(chatId, userId) as HistoryRow[];
    } finally {
      db.close();
    }
  };

  test("settings and history survive a restart", async () => {
    const user = server.users.create({ first_name: "Ann", language_code: "en" });
    const chat = server.users.privateChat(user);

    server.users.sendCommand(chat, user, "settings");
    const menu = await e2e.message(chat.id, (text) => text.startsWith("Settings"));
    assert.match(menu.text ?? "", /Language: as in Telegram/);
    server.users.pressButton(chat, user, menu, `settings:language:${user.id}`);
    // The menu switches to the new language at once.
    const edited = await e2e.waitFor((c) => c.method === "editMessageText" && c.chatId === chat.id);
    assert.match(sentText(edited), /Язык: Русский/);
    server.users.pressButton(chat, user, edited.result as Message, `settings:done:${user.id}`);
    await e2e.waitFor((c) => c.method === "editMessageReplyMarkup" && c.chatId === chat.id);

    server.users.sendText(chat, user, "Remember the number 42");
    await e2e.message(chat.id, (text) => text === FIXTURE_ANSWER);

    const exit = await e2e.restart();
    assert.deepEqual(exit, { code: 0, signal: null }, "the first process exits 0 on SIGTERM");

    assert.deepEqual(historyOf(chat.id, user.id), [
      { role: "user", kind: "text", text: "Remember the number 42" },
      { role: "assistant", kind: "text", text: FIXTURE_ANSWER },
    ]);

    // The new process knows the user chose Russian, though Telegram says English.
    server.users.sendCommand(chat, user, "start");
    const hello = await e2e.message(chat.id);
    assert.match(hello.text ?? "", /^Привет, Ann!/);

    // /forget (in Russian now) deletes history and settings: the greeting is English again.
    server.users.sendCommand(chat, user, "forget");
    const confirm = await e2e.message(chat.id, (text) => text.startsWith("Это удалит"));
    server.users.pressButton(chat, user, confirm, `forget:yes:${user.id}`);
    const done = await e2e.waitFor((c) => c.method === "editMessageText" && c.chatId === chat.id);
    assert.equal(sentText(done), "Готово: всё, что я о вас хранил, удалено.");
    assert.deepEqual(historyOf(chat.id, user.id), []);
    server.users.sendCommand(chat, user, "start");
    assert.match((await e2e.message(chat.id)).text ?? "", /^Hi, Ann!/);
  });

  test("SIGTERM during a job: the reply still arrives and the process exits 0", () =>
    assertSigtermDuringJobFinishesIt(e2e));
});
