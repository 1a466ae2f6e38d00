/**
 * End to end, pictures: the bot as its own process with MODEL_PROFILE=fixture, whose vision
 * model is the fixture VLM (scripts/fixtures/qwen-vl.ts) loaded by the real transformers.js
 * classes. It answers a question with VISION_ANSWER, a `table` prompt with VISION_TABLE and a
 * `Transcribe` prompt with VISION_TEXT; tesseract reads in the "fast" mode. Every flow runs in a
 * private chat and in a group.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Chat, Message, User } from "@grammyjs/types";
import {
  QWEN_ANSWER,
  VISION_ANSWER,
  VISION_TABLE,
  VISION_TEXT,
} from "../../scripts/fixtures/index.js";
import type { BotApiServer, RecordedCall } from "../support/bot-api/index.js";
import { E2E, editDistance, normalizeText, sentText } from "./harness.js";
import { ENGLISH_LINE, randomBytesOf, textPng } from "./media.js";

const QUESTION = "What is in this picture?";
const CSV = "Month,Sales\r\nJanuary,10\r\nFebruary,20\r\nMarch,30\r\n";

/** The rows of a Markdown table, header first, without its separator row. */
function markdownRows(markdown: string): string[][] {
  return markdown
    .trim()
    .split("\n")
    .filter((line) => !/^\|\s*-/.test(line))
    .map((line) =>
      line
        .replace(/^\||\|$/g, "")
        .split("|")
        .map((cell) => cell.trim()),
    );
}

describe("e2e: pictures and the vision model", () => {
  let e2e: E2E;
  let server: BotApiServer;

  before(async () => {
    e2e = await E2E.start();
    server = e2e.server;
  });

  after(async () => {
    await e2e?.close();
  });

  const group = () => {
    const alice = server.users.create({ first_name: "Alice" });
    const chat = server.users.group("Pictures", { members: [alice] });
    return { alice, chat };
  };

  /** The final text of an answer in `chatId` equal to `text` (groups edit a placeholder). */
  const answer = (chatId: number, text: string) =>
    e2e.waitFor(
      (c) =>
        (c.method === "sendMessage" || c.method === "editMessageText") &&
        c.chatId === chatId &&
        sentText(c) === text,
    );

  /** The answer to `question` in a group: the message replying to it, `text` or edited to it. */
  const answerTo = async (chatId: number, question: Message, text: string) => {
    const first = await e2e.waitFor(
      (c) =>
        c.method === "sendMessage" &&
        c.chatId === chatId &&
        !sentText(c).startsWith("⏳") &&
        (c.result as Message | undefined)?.reply_to_message?.message_id === question.message_id,
    );
    // A quick answer is sent whole; a longer one is shown first and edited to its end.
    if (sentText(first) === text) return;
    const id = (first.result as Message).message_id;
    await e2e.waitFor(
      (c) =>
        (c.method === "sendMessage" || c.method === "editMessageText") &&
        c.chatId === chatId &&
        (c.result as Message | undefined)?.message_id === id &&
        sentText(c) === text,
    );
  };

  /** The table message and its two files, checked against the fixture's table. */
  const assertTable = async (chatId: number) => {
    const shown = await e2e.message(chatId, (text) => text.includes("January"));
    const lines = (shown.text ?? "").split("\n");
    assert.match(lines[0]!, /^Month\s+\| Sales$/);
    assert.match(lines[1]!, /^-+-\+-+$/);
    assert.equal(lines.length, 5, shown.text);
    assert.ok(
      shown.entities?.some((entity) => entity.type === "pre"),
      "a monospace block",
    );
    const files = new Map<string, string>();
    for (let i = 0; i < 2; i++) {
      const call = await e2e.waitFor(
        (c) =>
          c.method === "sendDocument" &&
          c.chatId === chatId &&
          !files.has(c.files.get("document")?.fileName ?? ""),
      );
      const file = call.files.get("document")!;
      files.set(file.fileName ?? "", file.bytes.toString("utf8"));
    }
    assert.deepEqual(markdownRows(files.get("table.md")!), markdownRows(VISION_TABLE));
    assert.equal(files.get("table.csv"), CSV);
  };

  const settingsPress = async (chat: Chat, user: User, action: string) => {
    server.users.sendCommand(chat, user, "settings");
    const menu = await e2e.message(chat.id, (text) => text.startsWith("Settings"));
    assert.match(menu.text ?? "", /Reading photos: fast/);
    server.users.pressButton(chat, user, menu, `settings:${action}:${user.id}`);
    const edited = await e2e.waitFor((c) => c.method === "editMessageText" && c.chatId === chat.id);
    return sentText(edited);
  };

  test("private: a photo with a question gets the VLM's answer, with progress while it loads", async () => {
    const { user, chat } = e2e.privateChat();
    server.users.sendPhoto(chat, user, await textPng("a chart"), { caption: QUESTION });
    await e2e.message(chat.id, (text) => text === VISION_ANSWER);
    const status = server.calls.find(
      (c: RecordedCall) =>
        c.method === "sendMessage" && c.chatId === chat.id && sentText(c).startsWith("⏳"),
    );
    assert.ok(status, "a status message while the vision model loads");
    assert.ok(
      JSON.stringify((status.result as Message).reply_markup).includes("cancel:"),
      "with ✖ Cancel",
    );
  });

  test("private: a follow-up sees the picture until /reset, without downloading it again", async () => {
    const { user, chat } = e2e.privateChat();
    server.users.sendPhoto(chat, user, await textPng("a chart"), { caption: QUESTION });
    await e2e.message(chat.id, (text) => text === VISION_ANSWER);
    const fetches = () => server.calls.filter((c) => c.method === "getFile").length;
    const fetched = fetches();
    server.users.sendText(chat, user, "And what else is there?");
    await e2e.message(chat.id, (text) => text === VISION_ANSWER);
    assert.equal(fetches(), fetched, "the picture came from the job layer's cache");
    server.users.sendCommand(chat, user, "reset");
    await e2e.message(chat.id, (text) => /new conversation/i.test(text));
    server.users.sendText(chat, user, "And what else is there?");
    await e2e.message(chat.id, (text) => text === QWEN_ANSWER);
  });

  test("private: a follow-up whose picture Telegram no longer serves goes on without it", async () => {
    const { user, chat } = e2e.privateChat();
    server.users.sendPhoto(chat, user, await textPng("a chart"), { caption: QUESTION });
    await e2e.message(chat.id, (text) => text === VISION_ANSWER);
    // A new process: the conversation is stored, the picture's bytes are not.
    await e2e.restart();
    server.failNext("getFile", { error_code: 400, description: "Bad Request: invalid file_id" });
    server.users.sendText(chat, user, "And what else is there?");
    await e2e.message(chat.id, (text) => text === QWEN_ANSWER);
  });

  test("private: /table as a reply to a photo and as its caption", async () => {
    const { user, chat } = e2e.privateChat();
    const photo = server.users.sendPhoto(chat, user, await textPng("Month Sales"), {
      caption: "/table",
    });
    await assertTable(chat.id);
    server.users.sendCommand(chat, user, "table", "", { replyTo: photo });
    await assertTable(chat.id);
  });

  test("private: fast reads with tesseract, accurate with the VLM; 📊 turns the reading into a table", async () => {
    const { user, chat } = e2e.privateChat();
    const image = await textPng(ENGLISH_LINE);
    server.users.sendPhoto(chat, user, image);
    const fast = await e2e.message(chat.id);
    const distance = editDistance(normalizeText(fast.text ?? ""), normalizeText(ENGLISH_LINE));
    assert.ok(distance <= 2, `tesseract read ${JSON.stringify(fast.text)}`);

    server.users.pressButton(
      chat,
      user,
      fast,
      (fast.reply_markup?.inline_keyboard.flat() ?? [])
        .map((b) => ("callback_data" in b ? b.callback_data : ""))
        .find((data) => data.startsWith("res:tbl"))!,
    );
    await assertTable(chat.id);

    assert.match(await settingsPress(chat, user, "readingMode"), /Reading photos: accurate/);
    server.users.sendPhoto(chat, user, image);
    const accurate = await e2e.message(chat.id, (text) => text.includes("one item"));
    assert.match(accurate.text ?? "", /Fixture page/);
    assert.match(accurate.text ?? "", /The first line of the page\./);
    assert.ok(VISION_TEXT.includes("another item"));
    assert.match(accurate.text ?? "", /another item/);
  });

  test("private: a corrupt picture gets the friendly error", async () => {
    const { user, chat } = e2e.privateChat();
    server.users.sendDocument(chat, user, randomBytesOf(), {
      fileName: "broken.png",
      caption: QUESTION,
    });
    await e2e.message(chat.id, (text) => text.startsWith("I couldn't open this image"));
  });

  test("group: /ask as a reply to a photo, a follow-up /ask, and /ask without a photo after /reset", async () => {
    const { alice, chat } = group();
    const photo = server.users.sendPhoto(chat, alice, await textPng("a chart"));
    server.users.sendCommand(chat, alice, "ask", QUESTION, { replyTo: photo });
    await answer(chat.id, VISION_ANSWER);
    const followUp = server.users.sendCommand(chat, alice, "ask", "And the colours?");
    await answerTo(chat.id, followUp, VISION_ANSWER);
    server.users.sendCommand(chat, alice, "reset");
    await e2e.message(chat.id, (text) => /new conversation/i.test(text));
    server.users.sendCommand(chat, alice, "ask", "Hello there");
    await answer(chat.id, QWEN_ANSWER);
  });

  test("group: a photo with an /ask caption, and /table as a reply", async () => {
    const { alice, chat } = group();
    const photo = server.users.sendPhoto(chat, alice, await textPng("a chart"), {
      caption: `/ask ${QUESTION}`,
    });
    await answer(chat.id, VISION_ANSWER);
    server.users.sendCommand(chat, alice, "table", "", { replyTo: photo });
    await assertTable(chat.id);
  });
});

describe("e2e: a vision model that can't load", () => {
  let e2e: E2E;
  let server: BotApiServer;

  before(async () => {
    // fixture/missing has no weights: every load fails, as with a model never pulled.
    e2e = await E2E.start({
      env: { VISION_MODEL: "fixture/missing", OCR_DEFAULT_MODE: "accurate" },
    });
    server = e2e.server;
  });

  after(async () => {
    await e2e?.close();
  });

  test("accurate reading falls back to tesseract, and the user is told", async () => {
    const { user, chat } = e2e.privateChat();
    server.users.sendPhoto(chat, user, await textPng(ENGLISH_LINE));
    await e2e.message(chat.id, (text) => /reader \(the vision model\) isn't available/.test(text));
    const reading = await e2e.message(chat.id);
    const distance = editDistance(normalizeText(reading.text ?? ""), normalizeText(ENGLISH_LINE));
    assert.ok(distance <= 2, `tesseract read ${JSON.stringify(reading.text)}`);
  });

  test("a question about a picture gets a friendly error, in Russian too", async () => {
    const { user, chat } = e2e.privateChat({ language_code: "ru" });
    server.users.sendPhoto(chat, user, await textPng("a chart"), { caption: QUESTION });
    await e2e.message(chat.id, (text) => text.startsWith("Не удалось загрузить"));
  });
});
