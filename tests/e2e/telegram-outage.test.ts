/**
 * End to end, a start while Telegram is down: the bot process keeps trying (short backoff
 * here), serves /health/live (200) and /health/ready (503, saying it waits for Telegram)
 * meanwhile, its HTTP API already serves, and once the Bot API comes up it becomes ready
 * and answers without a restart.
 * SIGTERM during the wait stops it at once and cleanly.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { BotApiServer } from "../support/bot-api/index.js";
import { BotProcess, E2E_TOKEN, freePort, removeDir, tempDir, type LogLine } from "./harness.js";

const RETRYING = "Telegram unreachable at start; retrying";

/** Tries every 50-200 ms: the test waits for log lines, never for the backoff itself. */
const FAST_RETRY = { TELEGRAM_START_BACKOFF: "50ms", TELEGRAM_START_BACKOFF_MAX: "200ms" };

interface Health {
  code: number;
  body: { status: string; reasons?: string[]; checks?: Record<string, { reason?: string }> };
}

async function health(port: number, path: string): Promise<Health> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { code: response.status, body: (await response.json()) as Health["body"] };
}

async function reachableGauge(port: number): Promise<string | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return /^bot_telegram_reachable (\d+)$/m.exec(text)?.[1];
}

const retry = (attempt: number) => (line: LogLine) =>
  line.msg === RETRYING && Number(line.attempt) >= attempt;

describe("e2e: a start while Telegram is unreachable", { concurrency: true }, () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  /** A bot whose Bot API port has nothing listening yet, with its ops server and HTTP API on. */
  const spawnOffline = async () => {
    const apiPort = await freePort();
    const metricsPort = await freePort();
    const httpApiPort = await freePort();
    const dataDir = tempDir("outage");
    cleanup.push(() => removeDir(dataDir));
    const bot = BotProcess.spawn({
      server: { token: E2E_TOKEN, apiRoot: `http://127.0.0.1:${apiPort}` },
      dataDir,
      env: { METRICS_PORT: String(metricsPort), API_PORT: String(httpApiPort), ...FAST_RETRY },
    });
    cleanup.push(() => bot.kill());
    return { bot, apiPort, metricsPort, httpApiPort };
  };

  test("is live but not ready while it retries, then ready and answering in the same process", async () => {
    const { bot, apiPort, metricsPort, httpApiPort } = await spawnOffline();
    const second = await bot.waitForLog(retry(2));
    assert.equal(typeof second.nextDelayMs, "number");
    assert.ok(
      !JSON.stringify(bot.logs).includes(E2E_TOKEN.split(":")[1]!),
      "the token is redacted",
    );

    assert.deepEqual(await health(metricsPort, "/health/live"), {
      code: 200,
      body: { status: "ok" },
    });
    const waiting = await health(metricsPort, "/health/ready");
    assert.equal(waiting.code, 503);
    assert.match(waiting.body.checks?.startup?.reason ?? "", /^waiting for Telegram \(getMe\)/);
    assert.equal((await health(metricsPort, "/health")).code, 200, "/health stays liveness");
    assert.equal(await reachableGauge(metricsPort), "0");
    // The HTTP API needs no Telegram: it already serves.
    const apiHealth = await fetch(`http://127.0.0.1:${httpApiPort}/health`);
    assert.equal(apiHealth.status, 200);
    assert.equal(((await apiHealth.json()) as { status: string }).status, "healthy");

    // Telegram comes back on the port the bot keeps trying.
    const server = await BotApiServer.start({ token: E2E_TOKEN, port: apiPort });
    cleanup.push(() => server.close());
    const pid = bot.pid;
    await bot.waitForLog((line) => line.msg === "polling for updates");
    await server.waitForPolling();
    assert.equal((await health(metricsPort, "/health/ready")).code, 200);
    assert.equal(await reachableGauge(metricsPort), "1");
    assert.equal(bot.pid, pid);
    assert.equal(
      bot.logs.filter((line) => line.msg === "health and metrics server listening").length,
      1,
      "started once",
    );

    const user = server.users.create({ language_code: "en" });
    const chat = server.users.privateChat(user);
    server.users.sendCommand(chat, user, "start");
    await server.waitFor((call) => call.method === "sendMessage" && call.chatId === chat.id);

    assert.deepEqual(await bot.stop(), { code: 0, signal: null }, bot.output());
    assert.deepEqual(bot.logsAtLeast(50), [], bot.output());
  });

  test("SIGTERM while it waits for Telegram stops it at once and cleanly", async () => {
    const { bot } = await spawnOffline();
    await bot.waitForLog(retry(1));
    const exit = await bot.stop();
    assert.deepEqual(exit, { code: 0, signal: null }, bot.output());
    assert.ok(
      bot.logs.some((line) => line.msg === "shut down cleanly"),
      bot.output(),
    );
    assert.deepEqual(bot.logsAtLeast(50), [], "no fatal 'could not start'");
  });
});
