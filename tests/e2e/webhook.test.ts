/**
 * End to end in webhook mode (BOT_MODE=webhook): the loopback Bot API server POSTs
 * updates to the bot process's own webhook server, with the secret header, as Telegram
 * does behind a reverse proxy. Covers registration, a reply, a wrong secret, a re-delivered
 * update, and SIGTERM while a job runs.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { BotApiServer } from "../support/bot-api/index.js";
import { E2E, freePort, sentText } from "./harness.js";
import { assertSigtermDuringJobFinishesIt } from "./scenarios.js";

const SECRET = "e2e-webhook-secret-0123456789";

describe("e2e: webhook mode", () => {
  let e2e: E2E;
  let server: BotApiServer;
  let url: string;

  before(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}/telegram/webhook`;
    e2e = await E2E.start({
      env: {
        BOT_MODE: "webhook",
        WEBHOOK_URL: url,
        WEBHOOK_SECRET: SECRET,
        WEBHOOK_HOST: "127.0.0.1",
        WEBHOOK_PORT: String(port),
        SHUTDOWN_TIMEOUT: "30s",
      },
    });
    server = e2e.server;
  });

  after(async () => {
    await e2e?.close();
  });

  test("the bot registers its webhook with the secret and answers updates posted to it", async () => {
    const registration = server.calls.find((c) => c.method === "setWebhook")!;
    assert.equal(registration.params.url, url);
    assert.equal(registration.params.secret_token, SECRET);

    const user = server.users.create({ first_name: "Web" });
    const chat = server.users.privateChat(user);
    server.users.sendCommand(chat, user, "start");
    const hello = await e2e.message(chat.id);
    assert.match(hello.text ?? "", /^Hi, Web!/);
  });

  /** A command update from `user` (a new one by default), as Telegram would POST it. */
  function commandUpdate(
    updateId: number,
    command: string,
    user = server.users.create({ first_name: "Hook" }),
  ) {
    const chat = server.users.privateChat(user);
    const message = {
      message_id: updateId,
      date: Math.floor(Date.now() / 1000),
      chat,
      from: user,
      text: command,
      entities: [{ type: "bot_command", offset: 0, length: command.length }],
    };
    return { user, update: { update_id: updateId, message } };
  }

  const post = (update: unknown, secret?: string) =>
    fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(secret ? { "x-telegram-bot-api-secret-token": secret } : {}),
      },
      body: JSON.stringify(update),
    });

  const repliesTo = (chatId: number, pattern: RegExp) =>
    server.calls.filter(
      (c) => c.method === "sendMessage" && c.chatId === chatId && pattern.test(sentText(c)),
    );

  test("a POST with a wrong or missing secret gets 401 and is not processed", async () => {
    const { user, update: wrong } = commandUpdate(900_001, "/help");
    assert.equal((await post(wrong, "not-the-secret-at-all")).status, 401);
    assert.equal((await post(commandUpdate(900_002, "/help", user).update)).status, 401);
    // A genuine update of the same chat comes after both: once it is answered, a
    // rejected one would have been answered before it, since a chat's updates run in order.
    assert.equal((await post(commandUpdate(900_003, "/start", user).update, SECRET)).status, 200);
    await e2e.message(user.id, (text) => /^Hi, /.test(text));
    assert.deepEqual(repliesTo(user.id, /What I can do/), []);
  });

  test("an update delivered twice (Telegram's retry) is handled once", async () => {
    const { user, update } = commandUpdate(900_010, "/start");
    assert.equal((await post(update, SECRET)).status, 200);
    assert.equal((await post(update, SECRET)).status, 200);
    // Updates of one chat are handled in order: once /help is answered, a duplicate /start would have been too.
    assert.equal((await post(commandUpdate(900_011, "/help", user).update, SECRET)).status, 200);
    await e2e.message(user.id, (text) => /What I can do/.test(text));
    assert.equal(repliesTo(user.id, /^Hi, /).length, 1);
  });

  test("SIGTERM during a job: the reply still arrives and the process exits 0", () =>
    assertSigtermDuringJobFinishesIt(e2e));
});
