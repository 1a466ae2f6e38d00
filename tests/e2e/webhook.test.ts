/**
 * End to end in webhook mode (BOT_MODE=webhook): the loopback Bot API server POSTs
 * updates to the bot process's own webhook server, with the secret header, as Telegram
 * does behind a reverse proxy. Covers registration, a reply, and SIGTERM while a job runs.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Message } from "@grammyjs/types";
import type { BotApiServer } from "../support/bot-api/index.js";
import { E2E, editDistance, freePort, isProgress, normalizeText, sentText } from "./harness.js";
import { ENGLISH_LINE, textPdf } from "./media.js";

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

  test("SIGTERM during a job: the reply still arrives and the process exits 0", async () => {
    const user = server.users.create();
    const chat = server.users.privateChat(user);
    const pages = 3;
    const pdf = await textPdf(Array.from({ length: pages }, () => ({ scanned: ENGLISH_LINE })));
    server.users.sendDocument(chat, user, pdf, {
      fileName: "scans.pdf",
      mimeType: "application/pdf",
    });
    await e2e.waitFor(
      (c) => c.method === "sendMessage" && c.chatId === chat.id && isProgress(sentText(c)),
    );
    const signalledAt = server.calls.length;
    const exited = e2e.bot.stop();

    const reply = await Promise.race([
      e2e.message(chat.id),
      exited.then((exit) => {
        throw new Error(
          `the bot exited (${JSON.stringify(exit)}) without sending the reply\n${e2e.bot.output()}`,
        );
      }),
    ]);
    const replyCall = server.calls.find(
      (c) =>
        c.chatId === chat.id && (c.result as Message | undefined)?.message_id === reply.message_id,
    )!;
    assert.ok(replyCall.seq >= signalledAt, "the reply was sent after the signal");
    const texts = (reply.text ?? "").split(/\n\s*\n/);
    assert.equal(texts.length, pages, `one text per page: ${JSON.stringify(reply.text)}`);
    for (const text of texts) {
      assert.ok(editDistance(normalizeText(text), normalizeText(ENGLISH_LINE)) <= 2, text);
    }
    assert.deepEqual(await exited, { code: 0, signal: null }, e2e.bot.output());
    assert.deepEqual(e2e.bot.logsAtLeast(50), [], e2e.bot.output());
  });
});
