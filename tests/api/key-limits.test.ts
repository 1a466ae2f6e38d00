/**
 * API keys at the door of the HTTP app, over a real SQLite store on a manual clock: the key
 * check, each key's rate limit and daily quotas (429 with Retry-After, lifted when the minute
 * or the UTC day turns), the admin usage JSON, and the per-route Prometheus metrics.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRoute, z } from "@hono/zod-openapi";
import { Registry } from "prom-client";
import { adminRoutes } from "../../src/api/admin.js";
import { createApiApp, routeGroup } from "../../src/api/app.js";
import { storeKeyVerifier } from "../../src/api/key-verifier.js";
import { storeApiLimiter, type MeteredWork } from "../../src/api/key-limits.js";
import { measureRequests } from "../../src/api/metrics.js";
import type { ApiLimits } from "../../src/config/index.js";
import { silentLogger } from "../../src/log/index.js";
import { Store, type NewApiKey } from "../../src/memory/index.js";
import { createApiMetrics } from "../../src/metrics/index.js";
import { ManualClock } from "../../src/shared/clock.js";

const NOON = Date.UTC(2025, 0, 31, 12);
const UNLIMITED: ApiLimits = { ratePerMin: 0, dailyAudioMin: 0, dailyPages: 0, dailyTokens: 0 };

/** The app with one route per kind of work (`/work/pages`, ...) and the admin group. */
function setup(defaults: Partial<ApiLimits> = {}) {
  const clock = new ManualClock(NOON);
  const store = Store.open(":memory:", { now: () => clock.now() });
  const limiter = storeApiLimiter(store, { ...UNLIMITED, ...defaults }, clock);
  const registry = new Registry();
  const work = routeGroup();
  for (const kind of ["audio", "pages", "tokens", "none"] satisfies MeteredWork[])
    work.openapi(
      createRoute({
        method: "post",
        path: `/${kind}/{id}`,
        middleware: [limiter.middleware(kind)] as const,
        request: { params: z.object({ id: z.string() }) },
        responses: { 200: { description: "done" } },
      }),
      (c) => c.json({ done: c.req.valid("param").id }, 200),
    );
  const app = createApiApp({
    keys: storeKeyVerifier(store.apiKeys),
    logger: silentLogger(),
    groups: [{ path: "/work", shape: "fastapi", routes: work }, adminRoutes(store.apiKeys)],
    version: "test",
    before: [measureRequests(createApiMetrics(registry))],
  });
  const call = (path: string, secret?: string, method = "POST") =>
    app.request(path, {
      method,
      headers: secret === undefined ? {} : { authorization: `Bearer ${secret}` },
    });
  const key = (input: NewApiKey) => store.apiKeys.create(input).secret;
  return { clock, store, registry, call, key };
}

async function refusal(response: Response) {
  return {
    status: response.status,
    retryAfter: response.headers.get("retry-after"),
    detail: ((await response.json()) as { detail: string }).detail,
  };
}

describe("API keys at the door", () => {
  it("lets a valid key in and refuses unknown, revoked and missing keys with 401", async () => {
    const { call, key, store } = setup();
    const anonymous = await call("/work/none/1");
    assert.equal(anonymous.status, 200, "no key exists: the local caller is let in");
    const secret = key({ name: "n8n" });
    assert.equal((await call("/work/none/1", secret)).status, 200);
    assert.equal((await call("/work/none/1", `${secret}x`)).status, 401);
    assert.equal((await call("/work/none/1")).status, 401, "keys exist: one is needed");
    store.apiKeys.revoke("n8n");
    const revoked = await refusal(await call("/work/none/1", secret));
    assert.deepEqual([revoked.status, revoked.detail], [401, "this API key was revoked"]);
  });

  it("holds a key to its requests per minute, over a sliding minute", async () => {
    const { call, key, clock } = setup({ ratePerMin: 100 });
    const secret = key({ name: "n8n", limits: { ratePerMin: 2 } });
    assert.equal((await call("/work/none/1", secret)).status, 200);
    await clock.advance(20_000);
    assert.equal((await call("/work/pages/2", secret)).status, 200);
    await clock.advance(10_000);
    const refused = await refusal(await call("/work/none/3", secret));
    assert.deepEqual(refused, {
      status: 429,
      retryAfter: "30",
      detail: "this key's rate limit is reached: 2 requests per minute; try again in 30 s",
    });
    await clock.advance(30_000);
    assert.equal((await call("/work/none/4", secret)).status, 200, "the first one left the minute");
    assert.equal((await call("/work/none/5", secret)).status, 429);
    const other = key({ name: "other" });
    assert.equal((await call("/work/none/6", other)).status, 200, "the default (100) applies");
  });

  it("holds a key to its daily quotas per kind of work until midnight UTC", async () => {
    const { call, key, clock, store } = setup({ dailyPages: 5 });
    const secret = key({ name: "n8n", limits: { dailyAudioMin: 1, dailyTokens: 0 } });
    const used = (extra: object) =>
      store.usage.record({ owner: "key:n8n", task: "x", durationMs: 1, ok: true, ...extra });
    used({ pages: 4, audioS: 59, tokens: 1_000_000 });
    assert.equal((await call("/work/pages/1", secret)).status, 200, "4 of 5 pages used");
    assert.equal((await call("/work/audio/1", secret)).status, 200, "59 of 60 s used");
    assert.equal((await call("/work/tokens/1", secret)).status, 200, "0: unlimited tokens");
    used({ pages: 1, audioS: 1 });
    const pages = await refusal(await call("/work/pages/2", secret));
    assert.deepEqual(pages, {
      status: 429,
      retryAfter: String(12 * 3600),
      detail:
        "this key's daily quota is used up: 5 pages per day; it resets at midnight UTC, in 43200 s",
    });
    assert.match((await refusal(await call("/work/audio/2", secret))).detail, /1 minutes of audio/);
    assert.equal((await call("/work/none/2", secret)).status, 200, "other work goes on");
    await clock.advanceTo(Date.UTC(2025, 1, 1) - 1000);
    assert.equal((await refusal(await call("/work/pages/3", secret))).retryAfter, "1");
    await clock.advance(1000);
    assert.equal((await call("/work/pages/4", secret)).status, 200, "a new UTC day");
  });

  it("gives an admin key every key's usage as JSON; others get 403", async () => {
    const { call, key, store } = setup();
    const admin = key({ name: "ops", admin: true });
    const user = key({ name: "n8n" });
    store.usage.record({ owner: "key:n8n", task: "ocr", durationMs: 1, ok: true, pages: 2 });
    const forbidden = await refusal(await call("/admin/usage", user, "GET"));
    assert.deepEqual([forbidden.status, forbidden.detail], [403, "this needs an admin API key"]);
    const answer = await call("/admin/usage?days=3", admin, "GET");
    assert.equal(answer.status, 200);
    assert.deepEqual(await answer.json(), store.apiKeys.usageReport({ days: 3 }));
    const one = (await (await call("/admin/usage?key=n8n", admin, "GET")).json()) as {
      keys: { name: string; total: { pages: number } }[];
    };
    assert.deepEqual(
      one.keys.map((entry) => [entry.name, entry.total.pages]),
      [["n8n", 2]],
    );
    assert.equal((await call("/admin/usage?days=0", admin, "GET")).status, 400);
    const ghost = await refusal(await call("/admin/usage?key=ghost", admin, "GET"));
    assert.deepEqual([ghost.status, ghost.detail], [404, 'no key is named "ghost"']);
  });

  it("counts requests per route pattern, method and status; no raw paths, no key names", async () => {
    const { call, key, registry } = setup();
    const secret = key({ name: "secret-project", limits: { ratePerMin: 1 } });
    await call("/work/pages/alpha", secret);
    await call("/work/pages/beta", secret);
    await call("/work/pages/gamma");
    await call("/wp-login.php", secret);
    const text = await registry.metrics();
    const count = (labels: string) =>
      Number(new RegExp(`^api_requests_total\\{${labels}\\} (\\d+)$`, "m").exec(text)?.[1]);
    assert.equal(count('route="/work/pages/:id",method="POST",status="200"'), 1);
    assert.equal(count('route="/work/pages/:id",method="POST",status="429"'), 1);
    assert.equal(count('route="/work/pages/:id",method="POST",status="401"'), 1, "refused too");
    assert.equal(count('route="unmatched",method="POST",status="404"'), 1);
    assert.match(
      text,
      /^api_request_duration_seconds_count\{route="\/work\/pages\/:id"\} 3$/m,
      "one duration per request",
    );
    for (const leak of ["alpha", "beta", "wp-login", "secret-project", "ltb_"])
      assert.equal(text.includes(leak), false, leak);
  });
});
