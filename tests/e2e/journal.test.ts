/**
 * End to end, the job journal: a job still running when SHUTDOWN_TIMEOUT ends is not
 * dropped silently (its user is told, in their language, its status message removed, and
 * it is done at the next start), and a job cut off by SIGKILL is run again after the
 * restart, with the stale status message removed.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Chat, Message, User } from "@grammyjs/types";
import Database from "better-sqlite3";
import type { BotApiServer } from "../support/bot-api/index.js";
import {
  E2E,
  editDistance,
  isProgress,
  JOB_TIMEOUT_MS,
  normalizeText,
  sentText,
} from "./harness.js";
import { ENGLISH_LINE, textPdf } from "./media.js";

interface JobRow {
  update_id: number;
  chat_id: number;
  progress_message_id: number | null;
  attempts: number;
}

/** The journal's rows, read from the bot's SQLite file (read-only, beside the bot). */
function journal(dataDir: string): JobRow[] {
  const db = new Database(path.join(dataDir, "bot.sqlite"), {
    readonly: true,
    fileMustExist: true,
  });
  try {
    return db.prepare("SELECT * FROM jobs ORDER BY update_id").all() as JobRow[];
  } finally {
    db.close();
  }
}

/** Resolves once the journal satisfies `predicate`, checked again on every write to DATA_DIR. */
function journalWhen(dataDir: string, predicate: (rows: JobRow[]) => boolean): Promise<JobRow[]> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const rows = journal(dataDir);
      if (!predicate(rows)) return;
      done();
      resolve(rows);
    };
    const watcher = fs.watch(dataDir, check);
    const timer = setTimeout(() => {
      done();
      reject(new Error(`the journal never matched: ${JSON.stringify(journal(dataDir))}`));
    }, JOB_TIMEOUT_MS);
    const done = () => {
      watcher.close();
      clearTimeout(timer);
    };
    check();
  });
}

/** Asserts `text` is the recognized text of `pages` pages of {@link ENGLISH_LINE}. */
function assertPages(text: string, pages: number): void {
  const texts = text.split(/\n\s*\n/);
  assert.equal(texts.length, pages, `one text per page: ${JSON.stringify(text)}`);
  for (const page of texts)
    assert.ok(editDistance(normalizeText(page), normalizeText(ENGLISH_LINE)) <= 2, page);
}

describe("e2e: the job journal", () => {
  let e2e: E2E;
  let server: BotApiServer;

  before(async () => {
    // Short enough that a PDF of eight scanned pages can't finish within it.
    e2e = await E2E.start({ env: { SHUTDOWN_TIMEOUT: "1s" } });
    server = e2e.server;
  });

  after(async () => {
    await e2e?.close();
  });

  /** Sends a PDF of `pages` scanned pages and resolves with it once its job shows its status. */
  const startPdfJob = async (chat: Chat, user: User, pages: number) => {
    const pdf = await textPdf(Array.from({ length: pages }, () => ({ scanned: ENGLISH_LINE })));
    const document = server.users.sendDocument(chat, user, pdf, {
      fileName: "scans.pdf",
      mimeType: "application/pdf",
    });
    const status = await e2e.waitFor(
      (c) => c.method === "sendMessage" && c.chatId === chat.id && isProgress(sentText(c)),
    );
    return { document, statusId: (status.result as Message).message_id };
  };

  test("a job still running at SHUTDOWN_TIMEOUT: its user is told, and it is done at the next start", async () => {
    const user = server.users.create({ first_name: "Иван", language_code: "ru" });
    const chat = server.users.privateChat(user);
    const pages = 8;
    const { document, statusId } = await startPdfJob(chat, user, pages);

    const exit = await e2e.bot.stop();
    assert.deepEqual(exit, { code: 0, signal: null }, e2e.bot.output());
    const notices = server.calls.filter(
      (c) => c.method === "sendMessage" && c.chatId === chat.id && sentText(c).startsWith("⚠️"),
    );
    assert.deepEqual(
      notices.map(sentText),
      [
        "⚠️ Мне пришлось остановиться, пока я работал над этим. Я сделаю это снова, как только вернусь.",
      ],
      e2e.bot.output(),
    );
    assert.equal(
      (notices[0]!.params.reply_parameters as { message_id: number }).message_id,
      document.message_id,
      "the notice answers the message whose job was interrupted",
    );
    assert.equal(server.message(chat.id, statusId), undefined, "the status message is removed");
    const kept = journal(e2e.dataDir).filter((row) => row.chat_id === chat.id);
    assert.equal(kept.length, 1, "the journal keeps the job for the next start");

    await e2e.restart();
    const reply = await e2e.message(chat.id, (text) => !text.startsWith("⚠️"));
    assertPages(reply.text ?? "", pages);
    await journalWhen(e2e.dataDir, (rows) => rows.length === 0);
  });

  test("SIGKILL mid-job: after the restart the job runs again and the stale status message goes", async () => {
    const user = server.users.create({ first_name: "Ann", language_code: "en" });
    const chat = server.users.privateChat(user);
    const pages = 3;
    const { statusId } = await startPdfJob(chat, user, pages);
    // The status message's id is in the journal before the process dies.
    await journalWhen(e2e.dataDir, (rows) =>
      rows.some((row) => row.chat_id === chat.id && row.progress_message_id === statusId),
    );

    const exit = await e2e.restart("SIGKILL");
    assert.equal(exit.signal, "SIGKILL");

    await e2e.waitFor(
      (c) =>
        c.method === "deleteMessage" &&
        c.chatId === chat.id &&
        c.params.message_id === statusId &&
        c.error === undefined,
    );
    const reply = await e2e.message(chat.id);
    assertPages(reply.text ?? "", pages);
    await journalWhen(e2e.dataDir, (rows) => rows.length === 0);
    assert.equal(server.message(chat.id, statusId), undefined);
  });
});
