import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { createBotMetrics, METRIC_NAMES } from "../../src/metrics/index.js";
import { startOpsServer, type CheckResult, type RunningServer } from "../../src/server/index.js";
import { parseExposition, sampleValue } from "./support/exposition.js";

const logger = pino({ level: "silent" });

describe("ops server", () => {
  const metrics = createBotMetrics();
  const checks: Record<string, CheckResult> = {
    database: { ok: true },
    telegram: { ok: true },
  };
  let server: RunningServer;
  let base: string;

  before(async () => {
    server = await startOpsServer({
      host: "127.0.0.1",
      port: 0,
      readiness: () => ({ ...checks }),
      registry: metrics.registry,
      logger,
    });
    base = `http://127.0.0.1:${server.port}`;
  });
  after(() => server.close());

  async function scrape() {
    const response = await fetch(`${base}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    return parseExposition(await response.text());
  }

  it("answers liveness with 200 {status: ok}", async () => {
    for (const path of ["/health", "/health/live"]) {
      const response = await fetch(base + path);
      assert.equal(response.status, 200, path);
      assert.deepEqual(await response.json(), { status: "ok" });
    }
  });

  it("answers readiness with 200 when every check passes", async () => {
    for (const path of ["/health/ready", "/health?ready=1"]) {
      const response = await fetch(base + path);
      assert.equal(response.status, 200, path);
      assert.deepEqual(await response.json(), { status: "ready", checks });
    }
  });

  it("answers readiness with 503 and the reasons when a check fails, liveness stays 200", async () => {
    checks.telegram = { ok: false, reason: "getUpdates got no answer: ECONNRESET" };
    try {
      const response = await fetch(`${base}/health/ready`);
      assert.equal(response.status, 503);
      const body = (await response.json()) as { status: string; reasons: string[] };
      assert.equal(body.status, "unavailable");
      assert.deepEqual(body.reasons, ["telegram: getUpdates got no answer: ECONNRESET"]);
      assert.equal((await fetch(`${base}/health`)).status, 200);
    } finally {
      checks.telegram = { ok: true };
    }
  });

  it("declares every bot metric with its type, next to Node's process metrics", async () => {
    const exposition = await scrape();
    const expected: Record<string, string> = {
      [METRIC_NAMES.updates]: "counter",
      [METRIC_NAMES.jobs]: "counter",
      [METRIC_NAMES.jobDuration]: "histogram",
      [METRIC_NAMES.jobWait]: "histogram",
      [METRIC_NAMES.modelLoads]: "counter",
      [METRIC_NAMES.modelLoadDuration]: "histogram",
      [METRIC_NAMES.modelUnloads]: "counter",
      [METRIC_NAMES.memoryBudget]: "gauge",
      [METRIC_NAMES.memoryInUse]: "gauge",
      [METRIC_NAMES.memoryPeak]: "gauge",
      [METRIC_NAMES.modelMemory]: "gauge",
      [METRIC_NAMES.queueLength]: "gauge",
      [METRIC_NAMES.waitingJobs]: "gauge",
      [METRIC_NAMES.ownerWaitingJobs]: "gauge",
      [METRIC_NAMES.runningJobs]: "gauge",
      [METRIC_NAMES.modelLoaded]: "gauge",
      [METRIC_NAMES.telegramApiErrors]: "counter",
      [METRIC_NAMES.telegramReachable]: "gauge",
      process_resident_memory_bytes: "gauge",
      nodejs_eventloop_lag_p99_seconds: "gauge",
    };
    for (const [name, type] of Object.entries(expected)) {
      assert.equal(exposition.types.get(name), type, name);
    }
  });

  it("reads bot_telegram_reachable at each scrape from its source", async () => {
    let reachable = false;
    metrics.setTelegramSource(() => reachable);
    assert.equal(sampleValue(await scrape(), METRIC_NAMES.telegramReachable, {}), 0);
    reachable = true;
    assert.equal(sampleValue(await scrape(), METRIC_NAMES.telegramReachable, {}), 1);
  });

  it("moves counters and histograms as updates, jobs and API errors are recorded", async () => {
    const before = await scrape();
    metrics.observeUpdate("message");
    metrics.observeUpdate("message");
    metrics.observeUpdate("callback_query");
    metrics.observeJob("asr", "asr", "ok", 3.2);
    metrics.observeJob("asr", "asr", "rejected", 0);
    metrics.observeTelegramApiError("sendMessage", 429);
    metrics.observeTelegramApiError("getUpdates", "network");
    const after = await scrape();

    const delta = (name: string, labels: Record<string, string>) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    assert.equal(delta(METRIC_NAMES.updates, { type: "message" }), 2);
    assert.equal(delta(METRIC_NAMES.updates, { type: "callback_query" }), 1);
    assert.equal(delta(METRIC_NAMES.jobs, { task: "asr", outcome: "ok" }), 1);
    assert.equal(delta(METRIC_NAMES.jobs, { task: "asr", outcome: "rejected" }), 1);
    const ok = { task: "asr", model: "asr", outcome: "ok" };
    assert.equal(delta(`${METRIC_NAMES.jobDuration}_count`, ok), 1);
    assert.equal(delta(`${METRIC_NAMES.jobDuration}_sum`, ok), 3.2);
    // 3.2 s falls in the 5 s bucket, not the 2.5 s one.
    assert.equal(delta(`${METRIC_NAMES.jobDuration}_bucket`, { ...ok, le: "2.5" }), 0);
    assert.equal(delta(`${METRIC_NAMES.jobDuration}_bucket`, { ...ok, le: "5" }), 1);
    // A refused job never ran: counted, but no duration.
    assert.equal(
      delta(`${METRIC_NAMES.jobDuration}_count`, { task: "asr", outcome: "rejected" }),
      0,
    );
    assert.equal(
      delta(METRIC_NAMES.telegramApiErrors, { method: "sendMessage", error_code: "429" }),
      1,
    );
    assert.equal(
      delta(METRIC_NAMES.telegramApiErrors, { method: "getUpdates", error_code: "network" }),
      1,
    );
  });

  it("uses job-latency buckets from 50 ms to 2 minutes", async () => {
    const exposition = await scrape();
    const bounds = exposition.samples
      .filter((s) => s.name === `${METRIC_NAMES.jobDuration}_bucket` && s.labels.outcome === "ok")
      .map((s) => s.labels.le);
    assert.equal(bounds[0], "0.05");
    assert.ok(bounds.includes("120"));
    assert.equal(bounds.at(-1), "+Inf");
  });

  it("answers 404 for anything else", async () => {
    assert.equal((await fetch(`${base}/admin`)).status, 404);
  });

  it("refuses a port that is taken, saying which", async () => {
    await assert.rejects(
      startOpsServer({
        host: "127.0.0.1",
        port: server.port,
        readiness: () => ({}),
        registry: metrics.registry,
        logger,
      }),
      new RegExp(`cannot listen on 127\\.0\\.0\\.1:${server.port}: .*EADDRINUSE`),
    );
  });
});
