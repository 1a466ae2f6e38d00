import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { createBotMetrics } from "../../src/metrics/index.js";
import { startOpsServer, type RunningServer } from "../../src/server/index.js";
import { REPO, run } from "./support/tools.js";

const SCRIPT = path.join(REPO, "deploy/healthcheck.mjs");

describe("deploy/healthcheck.mjs (the Docker HEALTHCHECK)", () => {
  let server: RunningServer;
  before(async () => {
    server = await startOpsServer({
      host: "127.0.0.1",
      port: 0,
      readiness: () => ({ telegram: { ok: false, reason: "down" } }),
      registry: createBotMetrics({ defaultMetrics: false }).registry,
      logger: pino({ level: "silent" }),
    });
  });
  after(() => server.close());

  const check = (env: Record<string, string>) =>
    run(process.execPath, [SCRIPT], { env: { PATH: process.env.PATH, ...env } });

  it("passes while the ops server is live, even when not ready (waiting for Telegram)", async () => {
    const result = await check({ METRICS_PORT: String(server.port), METRICS_HOST: "0.0.0.0" });
    assert.equal(result.code, 0, result.stderr);
  });

  it("asks /health/live, and fails on any answer but 200", async (t) => {
    const asked: string[] = [];
    let status = 200;
    const probe = createServer((req, res) => {
      asked.push(req.url ?? "");
      res.writeHead(status, { "content-type": "application/json" }).end("{}");
    });
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    t.after(() => probe.close());
    const port = String((probe.address() as AddressInfo).port);
    assert.equal((await check({ METRICS_PORT: port })).code, 0);
    status = 503;
    const failed = await check({ METRICS_PORT: port });
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /\/health\/live answered 503/);
    assert.deepEqual(asked, ["/health/live", "/health/live"]);
  });

  it("fails when nothing answers", async () => {
    const closed = await startOpsServer({
      host: "127.0.0.1",
      port: 0,
      readiness: () => ({}),
      registry: createBotMetrics({ defaultMetrics: false }).registry,
      logger: pino({ level: "silent" }),
    });
    await closed.close();
    const result = await check({ METRICS_PORT: String(closed.port) });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /did not answer/);
  });

  it("passes with a note when the server is disabled", async () => {
    const result = await check({ METRICS_PORT: "0" });
    assert.equal(result.code, 0);
    assert.match(result.stdout, /disabled/);
  });
});
