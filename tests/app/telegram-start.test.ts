/**
 * Start-up against the loopback Bot API: which answers are retried and which end the start,
 * the log of each try, and the state /health/ready shows. Waits run on a ManualClock that
 * the test moves as soon as a wait begins, so nothing sleeps.
 */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { GrammyError, HttpError } from "grammy";
import { pino } from "pino";
import {
  classifyStartError,
  describeFailure,
  identify,
  StartupState,
  startupApi,
  TelegramRefusedError,
  type TelegramStartDeps,
} from "../../src/app/telegram-start.js";
import { RetriesExhaustedError } from "../../src/shared/backoff.js";
import { ManualClock } from "../../src/shared/clock.js";
import { freePort as closedPort } from "../e2e/harness.js";
import { BotApiServer } from "../support/bot-api/index.js";

const TOKEN = "4242424242:start-test-token-0123456789abcdef";

interface Logged {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** Deps on a ManualClock whose waits are fired as soon as they begin; logs kept as JSON. */
function harness(apiRoot: string, token = TOKEN) {
  const clock = new ManualClock();
  const logs: Logged[] = [];
  const raw: string[] = [];
  /** /health/ready's startup check as each line was logged. */
  const states: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(chunk.toString());
      logs.push(JSON.parse(chunk.toString()) as Logged);
      states.push(state.check().reason ?? "ready");
      done();
    },
  });
  const logger = pino({ level: "info" }, stream);
  const state = new StartupState();
  const deps: TelegramStartDeps = {
    token,
    apiRoot,
    timeoutMs: 5_000,
    policy: { initialMs: 1_000, maxDelayMs: 4_000, giveUpAfterMs: 0 },
    clock,
    logger,
    state,
    random: () => 1,
  };
  /** Moves the clock past each wait as it begins, until `work` settles. */
  const drive = async <T>(work: Promise<T>): Promise<T> => {
    let settled = false;
    const done = work.finally(() => (settled = true));
    done.catch(() => undefined);
    while (!settled) {
      const next = clock.nextAt();
      if (next === undefined) await new Promise((resolve) => setImmediate(resolve));
      else await clock.advanceTo(next);
    }
    return done;
  };
  return { deps, clock, logs, raw, states, drive, api: startupApi(deps) };
}

describe("start-up against an unreachable or refusing Bot API", () => {
  let server: BotApiServer;
  before(async () => {
    server = await BotApiServer.start({ token: TOKEN });
  });
  after(() => server.close());

  /** The error a real getMe call ends with after `failure`. */
  const failedGetMe = async (failure: Parameters<BotApiServer["failNext"]>[1]) => {
    server.failNext("getMe", failure);
    const { api } = harness(server.apiRoot);
    return api.getMe().then(
      () => assert.fail("getMe should fail"),
      (error: unknown) => error,
    );
  };

  it("classifies no answer, 5xx and 429 as retryable, and 401, 404 and 400 as final", async () => {
    const verdicts: Record<string, unknown> = {
      disconnect: classifyStartError(await failedGetMe("disconnect")),
      502: classifyStartError(await failedGetMe({ error_code: 502, description: "Bad Gateway" })),
      500: classifyStartError(await failedGetMe({ error_code: 500, description: "Internal" })),
      429: classifyStartError(
        await failedGetMe({
          error_code: 429,
          description: "Too Many Requests: retry after 9",
          parameters: { retry_after: 9 },
        }),
      ),
      401: classifyStartError(await failedGetMe({ error_code: 401, description: "Unauthorized" })),
      404: classifyStartError(await failedGetMe({ error_code: 404, description: "Not Found" })),
      400: classifyStartError(await failedGetMe({ error_code: 400, description: "Bad Request" })),
      other: classifyStartError(new Error("a bug")),
    };
    assert.deepEqual(verdicts, {
      disconnect: { retry: true },
      502: { retry: true },
      500: { retry: true },
      429: { retry: true, minDelayMs: 9_000 },
      401: { retry: false },
      404: { retry: false },
      400: { retry: false },
      other: { retry: false },
    });
    assert.ok((await failedGetMe("disconnect")) instanceof HttpError);
    assert.ok((await failedGetMe({ error_code: 502, description: "x" })) instanceof GrammyError);
  });

  it("retries 502s with growing waits, logs each try without the token, then identifies the bot", async () => {
    server.failNext("getMe", { error_code: 502, description: "Bad Gateway" }, 3);
    const { deps, api, drive, logs, raw, states, clock } = harness(server.apiRoot);
    assert.equal((await drive(identify(api, deps))).username, server.bot.username);
    const retries = logs.filter((line) => line.msg === "Telegram unreachable at start; retrying");
    assert.deepEqual(
      retries.map((line) => [line.attempt, line.nextDelayMs, line.step]),
      [
        [1, 1_000, "getMe"],
        [2, 2_000, "getMe"],
        [3, 4_000, "getMe"],
      ],
    );
    assert.equal(retries[0]?.level, 40, "a warning");
    assert.match(String(retries[0]?.reason), /502: Bad Gateway/);
    assert.equal(clock.now(), 7_000);
    assert.match(states[0]!, /^waiting for Telegram \(getMe\): try 1 failed .*; next in 1 s$/);
    assert.ok(!raw.join("").includes(TOKEN), "the token is never logged");
  });

  it("keeps trying a port nothing listens on, saying why without the token, until stopped", async () => {
    const { deps, api, logs, raw, clock } = harness(`http://127.0.0.1:${await closedPort()}`);
    const stop = new AbortController();
    const started = identify(api, deps, stop.signal);
    started.catch(() => undefined);
    // Three tries (two waits fired), then stop during the third wait.
    for (let waits = 0; waits < 3;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (clock.pending > 0) {
        waits++;
        if (waits < 3) await clock.advanceTo(clock.nextAt()!);
      }
    }
    stop.abort(new Error("shutting down"));
    await assert.rejects(started, /shutting down/);
    assert.equal(clock.pending, 0, "no wait left behind");
    const retries = logs.filter((line) => line.msg === "Telegram unreachable at start; retrying");
    assert.deepEqual(
      retries.map((line) => line.attempt),
      [1, 2, 3],
    );
    assert.match(String(retries[0]?.reason), /ECONNREFUSED/);
    assert.ok(!raw.join("").includes(TOKEN), "the token is never logged");
  });

  it("ends at once with a clear message when Telegram refuses the token", async () => {
    const other = "1111111111:not-the-servers-token-0123456789";
    const { deps, api, logs, clock } = harness(server.apiRoot, other);
    const error = await identify(api, deps).then(
      () => assert.fail("should be refused"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof TelegramRefusedError);
    assert.match(
      error.message,
      /Telegram refused getMe with 401 \(Unauthorized\): check BOT_TOKEN/,
    );
    assert.ok(!error.message.includes(other));
    assert.equal(logs.length, 0, "no retry");
    assert.equal(clock.pending, 0);
  });

  it("gives up after TELEGRAM_START_RETRY_MAX with the last failure", async () => {
    server.failNext("getMe", { error_code: 503, description: "Service Unavailable" }, 3);
    const { deps, api, drive } = harness(server.apiRoot);
    deps.policy = { ...deps.policy, giveUpAfterMs: 5_000 };
    const error = await drive(identify(api, deps)).then(
      () => assert.fail("should give up"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof RetriesExhaustedError);
    assert.match(error.message, /gave up after 3 tries in 3 s: .*503: Service Unavailable/);
  });
});

describe("describeFailure", () => {
  it("adds the cause of a network failure, with the token cut out", () => {
    const cause = new Error(`request to http://x/bot${TOKEN}/getMe failed, reason: ECONNREFUSED`);
    const error = new HttpError("Network request for 'getMe' failed!", cause);
    assert.equal(
      describeFailure(error, TOKEN),
      "Network request for 'getMe' failed!: request to http://x/bot[redacted]/getMe failed, reason: ECONNREFUSED",
    );
  });
});
