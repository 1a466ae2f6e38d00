/**
 * End to end, failed starts: the bot process, started without a usable configuration or
 * with a token Telegram refuses, says why and exits 78 (EX_CONFIG: no restart fixes it, so
 * the systemd unit doesn't restart on it) instead of hanging, retrying or crashing.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { BotApiServer } from "../support/bot-api/index.js";
import { BotProcess, removeDir, startServer, tempDir } from "./harness.js";

// Each test starts its own short-lived process: run them side by side.
describe("e2e: failed starts", { concurrency: true }, () => {
  let server: BotApiServer;
  let dataDir: string;
  const spawned: BotProcess[] = [];

  before(async () => {
    server = await startServer();
    dataDir = tempDir("startup");
  });

  after(async () => {
    for (const bot of spawned) await bot.kill();
    await server?.close();
    if (dataDir) removeDir(dataDir);
  });

  const spawn = (env: Record<string, string | undefined>) => {
    const bot = BotProcess.spawn({ server, dataDir, env });
    spawned.push(bot);
    return bot;
  };

  test("without BOT_TOKEN it says how to get one and exits 78", async () => {
    const bot = spawn({ BOT_TOKEN: undefined });
    assert.deepEqual(await bot.waitForExit(), { code: 78, signal: null });
    assert.match(bot.stderr, /BOT_TOKEN is not set: create a bot with @BotFather/);
  });

  test("an invalid configuration is reported with every problem, and it exits 78", async () => {
    const bot = spawn({ MODEL_PROFILE: "quantum", RATE_LIMIT_PER_MINUTE: "lots" });
    assert.deepEqual(await bot.waitForExit(), { code: 78, signal: null });
    assert.match(bot.stderr, /MODEL_PROFILE/);
    assert.match(bot.stderr, /RATE_LIMIT_PER_MINUTE/);
    assert.doesNotMatch(bot.stderr, /\n\s+at /, "a message, not a stack trace");
  });

  test("a token Telegram refuses stops the start with a fatal log line and exit 78", async () => {
    const bot = spawn({ BOT_TOKEN: "1111111111:not-the-servers-token-0123456789" });
    assert.deepEqual(await bot.waitForExit(), { code: 78, signal: null }, bot.output());
    const fatal = bot.logs.find((line) => line.level === 60);
    assert.equal(fatal?.msg, "could not start", bot.output());
    assert.ok(!JSON.stringify(bot.logs).includes("not-the-servers-token"), "the token is redacted");
  });
});
