/**
 * End to end, hostile and unlucky input: messages that used to kill the process or get
 * swallowed. One bot process serves every test here, with a tiny chat queue so a flood
 * overflows it; each test uses its own users and chats. After all of them, the process is
 * still alive and the last-resort handler (src/app/last-resort.ts) was never reached.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { BotApiServer } from "../support/bot-api/index.js";
import { E2E, FIXTURE_ANSWER, sentText, startServer } from "./harness.js";
import { ENGLISH_LINE, textPdf } from "./media.js";

/** Chat jobs that may wait; the flood test sends many more. */
const CHAT_QUEUE_LIMIT = 2;

describe("e2e: bad input and overload never kill the bot", () => {
  let e2e: E2E;
  let server: BotApiServer;

  before(async () => {
    server = await startServer();
    e2e = await E2E.start({
      server,
      env: { MODEL_MAX_QUEUE: `chat=${CHAT_QUEUE_LIMIT}`, RATE_LIMIT_PER_MINUTE: "100" },
    });
  });

  after(async () => {
    // close() also fails if the last-resort handler was reached.
    const fatal = e2e.bot.logsAtLeast(60);
    await e2e?.close();
    assert.deepEqual(fatal, [], "nothing fatal was logged");
  });

  const privateChat = (fields: { first_name?: string; language_code?: string } = {}) =>
    e2e.privateChat(fields);

  /** The bot still answers: a fresh user gets the fixture's answer. */
  const assertAlive = async () => {
    const { user, chat } = privateChat();
    server.users.sendText(chat, user, "are you still there?");
    const reply = await e2e.message(chat.id);
    assert.equal(reply.text, FIXTURE_ANSWER);
  };

  test("a text of only Unicode spaces gets a friendly reply and the bot lives on", async () => {
    const { user, chat } = privateChat({ language_code: "en" });
    server.users.sendText(chat, user, "\u00a0\u3000\u2028\ufeff");
    const reply = await e2e.message(chat.id);
    assert.equal(reply.text, "This is empty; there's nothing to process.");
    const { user: ru, chat: ruChat } = privateChat({ language_code: "ru" });
    server.users.sendText(ruChat, ru, "\u3000\u00a0");
    const ruReply = await e2e.message(ruChat.id);
    assert.match(ruReply.text ?? "", /пусто/i);
    await assertAlive();
  });

  test("a flood past the chat queue's limit: every message answered or told busy", async () => {
    const users = Array.from({ length: 30 }, (_, i) =>
      privateChat({ language_code: i % 2 === 0 ? "en" : "ru" }),
    );
    for (const { user, chat } of users) server.users.sendText(chat, user, "hello, are you there?");
    const busy = new Set(["I'm too busy right now. Please try again in a minute.", RU_BUSY]);
    const replies = await Promise.all(users.map(({ chat }) => e2e.message(chat.id)));
    const texts = replies.map((reply) => reply.text ?? "");
    for (const text of texts) assert.ok(text === FIXTURE_ANSWER || busy.has(text), text);
    assert.ok(
      texts.some((text) => busy.has(text)),
      "the queue overflowed at least once (or the test proves nothing)",
    );
    assert.ok(texts.includes(FIXTURE_ANSWER), "the queue kept serving");
    // Russian users are told in Russian.
    users.forEach(({ chat }, i) => {
      if (i % 2 === 1 && busy.has(texts[i]!)) assert.equal(texts[i], RU_BUSY, String(chat.id));
    });
    await assertAlive();
  });
});

describe("e2e: menus, buttons and updates without a sender", () => {
  let e2e: E2E;
  let server: BotApiServer;

  before(async () => {
    server = await startServer();
    e2e = await E2E.start({ server, env: { LOG_LEVEL: "debug" } });
  });

  after(async () => {
    await e2e?.close();
  });

  const privateChat = (fields: { first_name?: string; language_code?: string } = {}) =>
    e2e.privateChat(fields);

  const openSettings = async (
    chat: { id: number },
    user: ReturnType<typeof server.users.create>,
  ) => {
    server.users.sendCommand(chat as never, user, "settings");
    return e2e.message(chat.id, (text) => /Settings|Настройки/.test(text));
  };

  test("an open /settings menu swallows nothing, and keeps working", async () => {
    const { user, chat } = privateChat({ first_name: "Mia" });
    const menu = await openSettings(chat, user);
    server.users.sendText(chat, user, "a question while the menu is open");
    assert.equal((await e2e.message(chat.id)).text, FIXTURE_ANSWER);
    server.users.sendCommand(chat, user, "start");
    assert.match((await e2e.message(chat.id)).text ?? "", /^Hi, Mia!/);
    server.users.pressButton(chat, user, menu, `settings:voiceReplies:${user.id}`);
    const edit = await e2e.waitFor(
      (c) => c.method === "editMessageText" && c.chatId === chat.id && !c.error,
    );
    assert.match(String(edit.params.text), /Voice replies: always/);
    server.users.pressButton(chat, user, menu, `settings:done:${user.id}`);
    const saved = await e2e.waitFor(
      (c) => c.method === "answerCallbackQuery" && c.params.text === "Settings saved.",
    );
    assert.ok(saved);
  });

  test("an open /forget confirmation swallows nothing, and keeps working", async () => {
    const { user, chat } = privateChat();
    server.users.sendCommand(chat, user, "forget");
    const confirm = await e2e.message(chat.id, (text) => /can't be undone/.test(text));
    server.users.sendText(chat, user, "wait, one more question");
    assert.equal((await e2e.message(chat.id)).text, FIXTURE_ANSWER);
    server.users.pressButton(chat, user, confirm, `forget:no:${user.id}`);
    const edit = await e2e.waitFor((c) => c.method === "editMessageText" && c.chatId === chat.id);
    assert.equal(edit.params.text, "Nothing was deleted.");
  });

  test("forged button data gets a polite 'no longer valid', in the user's language", async () => {
    for (const [language, expected] of [
      ["en", "This button is no longer valid. Send the command again for a fresh menu."],
      [
        "ru",
        "Эта кнопка больше не действует. Отправьте команду ещё раз, чтобы получить новое меню.",
      ],
    ] as const) {
      const { user, chat } = privateChat({ language_code: language });
      const menu = await openSettings(chat, user);
      for (const forged of ["settings:toString", "settings:constructor", "forget:__proto__"]) {
        const query = server.users.pressButton(chat, user, menu, forged, { forged: true });
        const answer = await e2e.waitFor(
          (c) => c.method === "answerCallbackQuery" && c.params.callback_query_id === query.id,
        );
        assert.equal(answer.params.text, expected);
      }
      // The menu is still alive.
      server.users.pressButton(chat, user, menu, `settings:normalize:${user.id}`);
      await e2e.waitFor((c) => c.method === "editMessageText" && c.chatId === chat.id && !c.error);
    }
    const apologies = server.calls.filter((c) =>
      /went wrong on my side|что-то сломалось/.test(sentText(c)),
    );
    assert.deepEqual(apologies, [], "no internal-error apology");
  });

  test("a scanned PDF of several pages shows 'Reading page N of M'", async () => {
    const { user, chat } = privateChat();
    const pdf = await textPdf(Array.from({ length: 6 }, () => ({ scanned: ENGLISH_LINE })));
    server.users.sendDocument(chat, user, pdf, { fileName: "scan.pdf" });
    const shown = await e2e.waitFor(
      (c) =>
        c.chatId === chat.id &&
        (c.method === "editMessageText" || c.method === "sendMessage") &&
        /^⏳ Reading page \d of 6…$/.test(String(c.params.text)),
    );
    assert.ok(shown);
    const text = await e2e.message(chat.id);
    assert.match(text.text ?? "", /quick brown fox/i);
  });

  test("a group message without a sender is ignored, logged at debug level", async () => {
    const member = server.users.create();
    const group = server.users.group("No senders", { members: [member] });
    server.users.sendWithoutSender(group, `@${server.bot.username} who am I?`);
    server.users.mentionBot(group, member, "and me?");
    // Groups get a placeholder edited into the answer.
    await e2e.waitFor(
      (c) =>
        c.chatId === group.id &&
        /^editMessageText$|^sendMessage$/.test(c.method) &&
        sentText(c) === FIXTURE_ANSWER,
    );
    const sent = server.messagesIn(group.id).map((message) => message.text);
    assert.deepEqual(sent, [FIXTURE_ANSWER], "only the member got an answer");
    assert.ok(e2e.bot.logs.some((line) => line.msg === "update without a sender: ignored"));
  });
});

const RU_BUSY = "Я сейчас слишком занят. Попробуйте ещё раз через минуту.";
