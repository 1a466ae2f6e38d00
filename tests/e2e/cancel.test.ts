/**
 * End to end, the ✖ Cancel button on status messages. One OCR worker (OCR_WORKERS=1) and
 * pages of many lines make OCR jobs slow enough to stand in line: three users send a page
 * at once; whichever reaches the model first runs, the other two wait as numbers 1 and 2.
 * Cancelling number 1 moves number 2 up; cancelling the running job stops it; the last
 * one is then read to the end.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Message } from "@grammyjs/types";
import type { BotApiServer } from "../support/bot-api/index.js";
import { E2E, sentText } from "./harness.js";
import { ENGLISH_LINE, textPagePng, textPng } from "./media.js";

const QUEUED = /^⏳ .*you're number (\d+) in line/;

describe("e2e: cancelling jobs", () => {
  let e2e: E2E;
  let server: BotApiServer;

  before(async () => {
    // tesseract.js: the native program reads these pages too fast for anyone to wait in line.
    e2e = await E2E.start({ env: { OCR_WORKERS: "1", OCR_ENGINE: "js" } });
    server = e2e.server;
  });

  after(async () => {
    await e2e?.close();
  });

  /** The Cancel button's data under the current version of a status message. */
  const cancelButton = (chatId: number, messageId: number): { message: Message; data: string } => {
    const message = server.message(chatId, messageId);
    assert.ok(message, `status message ${messageId} is still shown`);
    const data = message.reply_markup?.inline_keyboard
      .flat()
      .map((b) => ("callback_data" in b ? b.callback_data : ""))
      .find((d) => d.startsWith("cancel:"));
    assert.ok(data, `a Cancel button under ${JSON.stringify(message)}`);
    return { message, data };
  };

  test("a queued job leaves the line (the next moves up); a running job stops", async () => {
    // Load the OCR model first, so the first page below starts at once.
    const warm = server.users.create();
    const warmChat = server.users.privateChat(warm);
    server.users.sendPhoto(warmChat, warm, await textPng(ENGLISH_LINE));
    await e2e.message(warmChat.id);

    const page = await textPagePng(
      Array.from({ length: 40 }, (_, i) => `Line ${i + 1}: ${ENGLISH_LINE} and the cat`),
    );
    const people = [0, 1, 2].map(() => {
      const user = server.users.create();
      return { user, chat: server.users.privateChat(user) };
    });
    for (const { user, chat } of people) server.users.sendPhoto(chat, user, page);
    const chatIds = new Set(people.map((p) => p.chat.id));

    const inLine = new Map<number, { chatId: number; messageId: number }>();
    while (inLine.size < 2) {
      const edit = await e2e.waitFor(
        (c) =>
          c.method === "editMessageText" &&
          chatIds.has(Number(c.chatId)) &&
          QUEUED.test(sentText(c)),
      );
      const position = Number(QUEUED.exec(sentText(edit))![1]);
      inLine.set(position, {
        chatId: Number(edit.chatId),
        messageId: Number(edit.params.message_id),
      });
    }
    const first = people.find((p) => p.chat.id === inLine.get(1)!.chatId)!;
    const second = people.find((p) => p.chat.id === inLine.get(2)!.chatId)!;
    const running = people.find((p) => p !== first && p !== second)!;

    // Number 1 cancels: they hear "Cancelled.", number 2 becomes number 1.
    const queued = cancelButton(first.chat.id, inLine.get(1)!.messageId);
    const press = server.users.pressButton(first.chat, first.user, queued.message, queued.data);
    const answer = await e2e.waitFor(
      (c) => c.method === "answerCallbackQuery" && c.params.callback_query_id === press.id,
    );
    assert.equal(answer.params.text, "Cancelling…");
    assert.equal((await e2e.message(first.chat.id)).text, "Cancelled.");
    const movedUp = await e2e.waitFor(
      (c) =>
        c.method === "editMessageText" &&
        c.chatId === second.chat.id &&
        /^⏳ .*you're number 1 in line/.test(sentText(c)),
    );
    assert.equal(Number(movedUp.params.message_id), inLine.get(2)!.messageId);
    assert.ok(
      cancelButton(second.chat.id, inLine.get(2)!.messageId),
      "the edited status keeps its Cancel button",
    );

    // The running job is cancelled through its AbortSignal.
    const status = await e2e.waitFor(
      (c) => c.method === "sendMessage" && c.chatId === running.chat.id,
    );
    const stop = cancelButton(running.chat.id, (status.result as Message).message_id);
    server.users.pressButton(running.chat, running.user, stop.message, stop.data);
    assert.equal((await e2e.message(running.chat.id)).text, "Cancelled.");

    // The last one in line is read to the end, and nobody else got a text.
    const text = await e2e.message(second.chat.id);
    assert.match(text.text ?? "", /Line 1: The quick brown fox/);
    for (const { chat } of [first, running]) {
      const texts = server.messagesIn(chat.id).map((m) => m.text ?? "");
      assert.ok(!texts.some((t) => t.includes("Line 1:")), `no text in ${chat.id}: ${texts}`);
    }
  });
});
