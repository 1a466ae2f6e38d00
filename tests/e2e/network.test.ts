/**
 * End to end, an unreliable Telegram: stalled Bot API calls and downloads end in a clear
 * reply after TELEGRAM_TIMEOUT (2 s here), and a 429 whose retry_after is over a minute
 * delays the answer instead of replacing it with an apology. The last test waits out a
 * real 61-second retry_after (the bot sleeps, not the test: it awaits the answer).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DOWNLOAD, type BotApiServer } from "../support/bot-api/index.js";
import { E2E, FIXTURE_ANSWER, sentText, startServer } from "./harness.js";
import { randomBytesOf } from "./media.js";

const TELEGRAM_DIDNT_ANSWER =
  "Telegram didn't answer in time, so I stopped. Please send that again.";

describe("e2e: stalled calls time out, long flood waits are waited out", () => {
  let e2e: E2E;
  let server: BotApiServer;

  before(async () => {
    server = await startServer();
    e2e = await E2E.start({ server, env: { TELEGRAM_TIMEOUT: "2s" } });
  });

  after(async () => {
    await e2e?.close(); // fails if the last-resort handler was reached
  });

  const privateChat = (fields: { language_code?: string } = {}) => e2e.privateChat(fields);

  test("a stalled getFile ends in a clear reply", async () => {
    const { user, chat } = privateChat();
    server.failNext("getFile", "stall");
    server.users.sendPhoto(chat, user, randomBytesOf(2048));
    const reply = await e2e.message(chat.id);
    assert.equal(reply.text, TELEGRAM_DIDNT_ANSWER);
  });

  test("a stalled download ends in a clear reply, in Russian for a Russian user", async () => {
    const { user, chat } = privateChat({ language_code: "ru" });
    server.failNext(DOWNLOAD, "stall");
    server.users.sendPhoto(chat, user, randomBytesOf(2048));
    const reply = await e2e.message(chat.id);
    assert.equal(
      reply.text,
      "Файл слишком долго скачивался из Telegram. Пожалуйста, отправьте его ещё раз.",
    );
  });

  test("a stalled Bot API call (the answer itself) ends in a clear reply", async () => {
    const { user, chat } = privateChat();
    server.failNext("sendMessage", "stall");
    server.users.sendCommand(chat, user, "help");
    const reply = await e2e.message(chat.id);
    assert.equal(reply.text, TELEGRAM_DIDNT_ANSWER);
  });

  test("a 429 with retry_after over a minute delays the answer; later messages wait in order", async () => {
    const { user, chat } = privateChat();
    server.floodLimit(chat.id, 61);
    server.users.sendText(chat, user, "first question");
    await e2e.waitFor((c) => c.chatId === chat.id && c.error?.error_code === 429);
    server.users.sendCommand(chat, user, "help");
    const answer = await e2e.message(chat.id, () => true, 120_000);
    assert.equal(answer.text, FIXTURE_ANSWER, "the answer came, not an apology");
    const help = await e2e.message(chat.id, () => true, 30_000);
    assert.match(help.text ?? "", /What I can do/);
    const sent = server.calls.filter((c) => c.method === "sendMessage" && c.chatId === chat.id);
    assert.deepEqual(
      sent.filter((c) => !c.error).map((c) => sentText(c).slice(0, 13)),
      [FIXTURE_ANSWER.slice(0, 13), "What I can do"],
    );
  });
});
