/**
 * API_TIMEOUT over real HTTP: a request whose job is still waiting when the deadline passes
 * is cancelled and answered 504 with why; one that ends in time is answered as usual; a
 * client that goes away cancels its job. Time is a manual clock; the job is a promise that
 * settles only when told or when its signal aborts, as the manager's jobs do.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createApiApp, routeGroup } from "../../src/api/app.js";
import { withDeadline } from "../../src/api/deadline.js";
import { silentLogger } from "../../src/log/index.js";
import { listen, type RunningServer } from "../../src/server/listen.js";
import { ManualClock } from "../../src/shared/clock.js";
import { cancelledError } from "../../src/shared/errors.js";

const TIMEOUT_MS = 600_000;

/** A job in flight: `signal` is what it got; `finish` ends it. */
interface PendingJob {
  signal: AbortSignal;
  finish(text: string): void;
}

describe("the request deadline (API_TIMEOUT)", () => {
  const clock = new ManualClock();
  let waiting: ((job: PendingJob) => void) | undefined;
  const nextJob = () => new Promise<PendingJob>((resolve) => (waiting = resolve));
  let server: RunningServer;
  let url: string;

  before(async () => {
    const routes = routeGroup();
    routes.get("/work", async (c) => {
      const text = await withDeadline(c, { timeoutMs: TIMEOUT_MS, clock }, (signal) => {
        return new Promise<string>((resolve, reject) => {
          signal.addEventListener("abort", () => reject(cancelledError(signal.reason)));
          const job = { signal, finish: resolve };
          waiting?.(job);
        });
      });
      return c.json({ text });
    });
    const app = createApiApp({
      keys: { check: () => ({ ok: false, reason: "unknown" }), hasKeys: () => false },
      logger: silentLogger(),
      version: "test",
      groups: [{ path: "/", shape: "fastapi", routes }],
    });
    server = await listen(app, "127.0.0.1", 0);
    url = `http://127.0.0.1:${server.port}/work`;
  });
  after(() => server?.close());

  test("answers a job that ends in time, and stops its timer", async () => {
    const job = nextJob();
    const response = fetch(url);
    (await job).finish("done");
    assert.deepEqual(await (await response).json(), { text: "done" });
    assert.equal(clock.pending, 0);
  });

  test("cancels a job still waiting at the deadline and answers 504 with why", async () => {
    const job = nextJob();
    const response = fetch(url);
    const { signal } = await job;
    await clock.advance(TIMEOUT_MS - 1);
    assert.equal(signal.aborted, false, "a loading model or a long line is no failure");
    await clock.advance(1);
    const answer = await response;
    assert.equal(answer.status, 504);
    const { detail } = (await answer.json()) as { detail: string };
    assert.match(detail, /no answer within 600 s \(API_TIMEOUT\).*loading.*try again/);
    assert.equal(signal.aborted, true, "nothing keeps running for nobody");
  });

  test("a client that goes away cancels its job", async () => {
    const job = nextJob();
    const client = new AbortController();
    const response = fetch(url, { signal: client.signal });
    const { signal } = await job;
    client.abort();
    await assert.rejects(response);
    if (!signal.aborted)
      await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
    assert.equal(signal.aborted, true);
    assert.equal(clock.pending, 0, "its timer is gone");
  });
});
