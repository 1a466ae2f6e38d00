/**
 * End to end in webhook mode (BOT_MODE=webhook): the loopback Bot API server POSTs
 * updates to the bot process's own webhook server, with the secret header, as Telegram
 * does behind a reverse proxy. Covers registration, a reply, and SIGTERM while a job runs.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { BotApiServer } from "../support/bot-api/index.js";
import { E2E, freePort } from "./harness.js";
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

  test("SIGTERM during a job: the reply still arrives and the process exits 0", () =>
    assertSigtermDuringJobFinishesIt(e2e));
});
