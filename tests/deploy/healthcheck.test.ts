import assert from "node:assert/strict";
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

  it("passes while the ops server answers /health, even when not ready", async () => {
    const result = await check({ METRICS_PORT: String(server.port), METRICS_HOST: "0.0.0.0" });
    assert.equal(result.code, 0, result.stderr);
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
