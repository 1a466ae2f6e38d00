import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ApiCallFn } from "grammy";
import { botReadiness, TelegramReachability } from "../../src/server/index.js";

const answering = (response: unknown): ApiCallFn => (async () => response) as never;
const unreachable: ApiCallFn = (async () => {
  throw new Error("getaddrinfo ENOTFOUND api.telegram.org");
}) as never;

describe("TelegramReachability", () => {
  it("is not ready before any call completed", () => {
    const reachability = new TelegramReachability();
    assert.deepEqual(reachability.check(), {
      ok: false,
      reason: "no Bot API call has completed yet",
    });
  });

  it("follows the outcome of the latest call", async () => {
    const reachability = new TelegramReachability();
    const call = (prev: ApiCallFn, method = "getUpdates", signal?: AbortSignal) =>
      reachability.transformer(prev, method as never, {} as never, signal as never);

    await call(answering({ ok: true, result: {} }), "getMe");
    assert.deepEqual(reachability.check(), { ok: true });

    await assert.rejects(call(unreachable));
    assert.deepEqual(reachability.check(), {
      ok: false,
      reason: "getUpdates got no answer: getaddrinfo ENOTFOUND api.telegram.org",
    });

    // A user blocking the bot is Telegram answering: the link is fine.
    await call(answering({ ok: false, error_code: 403, description: "Forbidden" }), "sendMessage");
    assert.deepEqual(reachability.check(), { ok: true });

    await call(
      answering({
        ok: false,
        error_code: 409,
        description: "Conflict: terminated by other getUpdates request",
      }),
    );
    assert.equal(reachability.check().ok, false);
    assert.match(reachability.check().reason ?? "", /getUpdates failed with 409: Conflict/);

    await call(answering({ ok: false, error_code: 502, description: "Bad Gateway" }));
    assert.match(reachability.check().reason ?? "", /502/);

    await call(answering({ ok: true, result: [] }));
    // Stopping the poller aborts its call on purpose: that says nothing about Telegram.
    const stop = new AbortController();
    stop.abort();
    await assert.rejects(call(unreachable, "getUpdates", stop.signal));
    assert.deepEqual(reachability.check(), { ok: true });
  });
});

describe("botReadiness", () => {
  it("reports the database and Telegram with reasons", () => {
    let healthy = true;
    const probe = botReadiness({
      isDatabaseHealthy: () => healthy,
      telegram: { check: () => ({ ok: true }) },
    });
    assert.deepEqual(probe(), { database: { ok: true }, telegram: { ok: true } });
    healthy = false;
    assert.deepEqual(probe(), {
      database: { ok: false, reason: "the database is closed or does not answer" },
      telegram: { ok: true },
    });
  });

  it("adds more checks, such as Redis in a cluster", async () => {
    let redis = false;
    const probe = botReadiness({
      isDatabaseHealthy: () => true,
      telegram: { check: () => ({ ok: true }) },
      more: { redis: () => (redis ? { ok: true } : { ok: false, reason: "down" }) },
    });
    assert.deepEqual((await probe()).redis, { ok: false, reason: "down" });
    redis = true;
    assert.deepEqual((await probe()).redis, { ok: true });
  });
});
