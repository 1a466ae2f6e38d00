/**
 * End to end, hostile and unlucky input: messages that used to kill the process or get
 * swallowed. One bot process serves every test here, with a tiny chat queue so a flood
 * overflows it; each test uses its own users and chats. After all of them, the process is
 * still alive and the last-resort handler (src/app/last-resort.ts) was never reached.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { LAST_RESORT_MESSAGE } from "../../src/app/last-resort.js";
import type { BotApiServer } from "../support/bot-api/index.js";
import { E2E, FIXTURE_ANSWER, sentText, startServer } from "./harness.js";

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
    try {
      assert.equal(
        e2e.bot.logs.find((line) => line.msg === LAST_RESORT_MESSAGE),
        undefined,
        "the last-resort handler was never reached",
      );
      assert.equal(e2e.bot.logsAtLeast(60).length, 0, "nothing fatal was logged");
    } finally {
      await e2e?.close();
    }
  });

  const privateChat = (fields: { first_name?: string; language_code?: string } = {}) => {
    const user = server.users.create(fields);
    return { user, chat: server.users.privateChat(user) };
  };

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
});
