import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { Bot } from "grammy";
import type { Update } from "grammy/types";
import { pino } from "pino";
import {
  registerWebhook,
  SECRET_HEADER,
  startWebhookServer,
  unregisterWebhook,
  webhookPathOf,
  type WebhookApi,
  type WebhookServer,
  type WebhookServerOptions,
} from "../../src/server/index.js";
import { ManualClock, settle } from "../../src/shared/clock.js";
import { deferred } from "../models/fake-model.js";

const logger = pino({ level: "silent" });
const SECRET = "s3cret-token_0123456789";
const PATH = "/telegram/webhook";

const servers: WebhookServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(
  handleUpdate: (update: Update) => Promise<void>,
  options: Partial<WebhookServerOptions> = {},
) {
  const server = await startWebhookServer({
    host: "127.0.0.1",
    port: 0,
    path: PATH,
    secret: SECRET,
    handleUpdate,
    logger,
    ...options,
  });
  servers.push(server);
  /** `secret: null` sends no secret header at all. */
  const post = (body: unknown, secret: string | null = SECRET) =>
    fetch(`http://127.0.0.1:${server.port}${PATH}`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        ...(secret === null ? {} : { [SECRET_HEADER]: secret }),
      },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  return { server, post };
}

const update = (id: number) => ({ update_id: id, message: { message_id: id, text: "hi" } });

describe("webhook server", () => {
  it("answers 200 before a slow handler finishes, then handles the update in the background", async () => {
    const release = deferred<void>();
    const handled = deferred<Update>();
    const { server, post } = await start(async (incoming) => {
      await release.promise;
      handled.resolve(incoming);
    });

    const response = await post(update(1));
    // The handler is still parked on `release`: the answer did not wait for it.
    assert.equal(response.status, 200);
    assert.equal(server.inFlight, 1);
    release.resolve();
    assert.deepEqual(await handled.promise, update(1));
  });

  it("refuses a wrong or missing secret with 401 and handles nothing", async () => {
    const handled: Update[] = [];
    const { server, post } = await start(async (incoming) => void handled.push(incoming));
    assert.equal((await post(update(1), "wrong-secret-0123456789")).status, 401);
    assert.equal((await post(update(2), `${SECRET}x`)).status, 401);
    assert.equal((await post(update(3), null)).status, 401);
    assert.equal(server.inFlight, 0);
    await settle();
    assert.deepEqual(handled, []);
  });

  it("handles a re-delivered update_id once", async () => {
    const handled: number[] = [];
    const { server, post } = await start(async (incoming) => void handled.push(incoming.update_id));
    for (const id of [7, 7, 8, 7]) assert.equal((await post(update(id))).status, 200);
    assert.equal(await server.drain(1000), true);
    assert.deepEqual(handled, [7, 8]);
  });

  it("forgets the oldest ids beyond its memory", async () => {
    const handled: number[] = [];
    const { server, post } = await start(
      async (incoming) => void handled.push(incoming.update_id),
      {
        rememberUpdates: 2,
      },
    );
    for (const id of [1, 2, 3, 1]) await post(update(id));
    await server.drain(1000);
    assert.deepEqual(handled, [1, 2, 3, 1]);
  });

  it("answers 400 to a body that is not an update, 404 elsewhere, and serves /health", async () => {
    const { server, post } = await start(async () => undefined);
    assert.equal((await post("{not json")).status, 400);
    assert.equal((await post({ message: {} })).status, 400);
    assert.equal((await post({ update_id: -1 })).status, 400);
    const base = `http://127.0.0.1:${server.port}`;
    assert.equal((await fetch(`${base}/elsewhere`, { method: "POST" })).status, 404);
    const health = await fetch(`${base}/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: "ok" });
  });

  it("refuses bodies over the limit with 413", async () => {
    const handled: Update[] = [];
    const { post } = await start(async (incoming) => void handled.push(incoming), {
      maxBodyBytes: 1024,
    });
    const big = { ...update(1), message: { text: "x".repeat(4096) } };
    assert.equal((await post(big)).status, 413);
    assert.deepEqual(handled, []);
  });

  it("drain waits for updates in flight and refuses new ones with 503", async () => {
    const release = deferred<void>();
    const { server, post } = await start(() => release.promise);
    await post(update(1));
    let drained: boolean | undefined;
    const draining = server.drain(60_000).then((result) => (drained = result));
    await settle();
    assert.equal(drained, undefined, "drain waits while the update runs");
    const refused = await post(update(2));
    assert.equal(refused.status, 503, "Telegram re-sends it to the next process");
    const resent = await post(update(1));
    assert.equal(resent.status, 200, "an update already accepted is not handed back");
    release.resolve();
    await draining;
    assert.equal(drained, true);
    assert.equal(server.inFlight, 0);
  });

  it("drain gives up after its timeout and says so", async () => {
    const clock = new ManualClock();
    const { server, post } = await start(() => new Promise<void>(() => undefined), { clock });
    await post(update(1));
    const draining = server.drain(5_000);
    await clock.advance(5_000);
    assert.equal(await draining, false);
    assert.equal(server.inFlight, 1);
  });

  it("answers 503 when too many updates are in flight", async () => {
    const release = deferred<void>();
    const { server, post } = await start(() => release.promise, { maxInFlight: 1 });
    assert.equal((await post(update(1))).status, 200);
    assert.equal((await post(update(2))).status, 503);
    release.resolve();
    await server.drain(1000);
  });

  it("logs and survives a failing handler", async () => {
    const { server, post } = await start(async () => {
      throw new Error("handler bug");
    });
    assert.equal((await post(update(1))).status, 200);
    assert.equal(await server.drain(1000), true);
  });
});

describe("webhook server with grammY", () => {
  it("feeds bot.handleUpdate, so the bot's middleware sees the update", async () => {
    const bot = new Bot("123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ0123", {
      botInfo: {
        id: 123456,
        is_bot: true,
        first_name: "Test",
        username: "test_bot",
        can_join_groups: true,
        can_read_all_group_messages: false,
        supports_inline_queries: false,
        can_connect_to_business: false,
        has_main_web_app: false,
      } as never,
    });
    const seen = deferred<string>();
    bot.on("message:text", (ctx) => seen.resolve(ctx.message.text));
    const { post } = await start((incoming) => bot.handleUpdate(incoming));
    const response = await post({
      update_id: 5,
      message: {
        message_id: 1,
        date: 0,
        chat: { id: 1, type: "private", first_name: "A" },
        from: { id: 1, is_bot: false, first_name: "A" },
        text: "привет",
      },
    });
    assert.equal(response.status, 200);
    assert.equal(await seen.promise, "привет");
  });
});

describe("webhook registration", () => {
  it("takes the path from WEBHOOK_URL", () => {
    assert.equal(
      webhookPathOf("https://bot.example.com/telegram/webhook?x=1"),
      "/telegram/webhook",
    );
    assert.equal(webhookPathOf("https://bot.example.com"), "/");
  });

  it("sets the webhook with the secret and allowed updates, keeping pending updates", async () => {
    const calls: unknown[][] = [];
    const api: WebhookApi = {
      setWebhook: async (...args) => (calls.push(["setWebhook", ...args]), true),
      deleteWebhook: async (...args) => (calls.push(["deleteWebhook", ...args]), true),
    };
    await registerWebhook(
      api,
      {
        url: "https://bot.example.com/telegram/webhook",
        secret: SECRET,
        allowedUpdates: ["message", "callback_query"],
      },
      logger,
    );
    await unregisterWebhook(api, logger);
    assert.deepEqual(calls, [
      [
        "setWebhook",
        "https://bot.example.com/telegram/webhook",
        {
          secret_token: SECRET,
          allowed_updates: ["message", "callback_query"],
          drop_pending_updates: false,
        },
      ],
      ["deleteWebhook", { drop_pending_updates: false }],
    ]);
  });

  it("accepts grammY's Api as the api object", () => {
    // A compile-time check as much as a runtime one: tsc rejects this file if the shapes drift.
    const api: WebhookApi = new Bot("123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ0123").api;
    assert.equal(typeof api.setWebhook, "function");
  });
});
