/**
 * End to end, the HTTP API in the bot's own process (API_PORT): a Telegram user and an API
 * caller ask the chat model, still unloaded, at the same moment; the one load serves both,
 * each in their own line, and both are answered. The API is off unless configured.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { BotApiServer } from "../support/bot-api/index.js";
import { E2E, FIXTURE_ANSWER } from "./harness.js";

describe("e2e: the bot process also serves the HTTP API", () => {
  let e2e: E2E;
  let server: BotApiServer;

  before(async () => {
    e2e = await E2E.start({ api: true });
    server = e2e.server;
  });
  after(() => e2e?.close());

  test("a Telegram user and an API caller use the chat model at once: both answered, one load", async () => {
    const health = await fetch(`${e2e.apiUrl}/health`);
    assert.equal(health.status, 200);
    const loaded = ((await health.json()) as { models_loaded: { chat: boolean } }).models_loaded;
    assert.equal(loaded.chat, false, "nothing loaded before the first request");

    const { user, chat } = e2e.privateChat();
    server.users.sendText(chat, user, "Hello from Telegram");
    const viaApi = fetch(`${e2e.apiUrl}/chat/simple`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message: "Hello from a script" }),
    });
    const [telegram, api] = await Promise.all([
      e2e.message(chat.id, (text) => text === FIXTURE_ANSWER),
      viaApi,
    ]);
    assert.equal(telegram.text, FIXTURE_ANSWER);
    assert.equal(api.status, 200);
    assert.deepEqual(await api.json(), {
      response: FIXTURE_ANSWER,
      status: "success",
      truncated: false,
    });
    const loads = e2e.bot.logs.filter(
      (line) => line.msg === "model loaded" && line.model === "chat",
    );
    assert.equal(loads.length, 1, "one load served both");
  });

  test("the API's refusals leave the bot serving Telegram", async () => {
    const refused = await fetch(`${e2e.apiUrl}/chat/simple`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    assert.equal(refused.status, 400);
    const { user, chat } = e2e.privateChat();
    server.users.sendText(chat, user, "Still there?");
    assert.equal((await e2e.message(chat.id)).text, FIXTURE_ANSWER);
  });
});

describe("e2e: the API is off unless configured", () => {
  test("no API_PORT: nothing listens for it", async () => {
    const e2e = await E2E.start();
    try {
      assert.equal(e2e.apiUrl, undefined);
      assert.ok(!e2e.bot.logs.some((line) => line.msg === "HTTP API listening (docs at /docs)"));
    } finally {
      await e2e.close();
    }
  });
});
