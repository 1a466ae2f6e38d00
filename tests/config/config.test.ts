import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, it } from "node:test";
import {
  ConfigError,
  defaultMaxPayloadBytes,
  loadConfig,
  parseBytes,
  parseDurationMs,
} from "../../src/config/index.js";
import { envSchema } from "../../src/config/schema.js";

const TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected loadConfig to throw");
}

describe("loadConfig", () => {
  it("keeps the HTTP API off and on loopback by default, with the original service's upload limits", () => {
    const { api } = loadConfig({ BOT_TOKEN: TOKEN });
    assert.deepEqual(api, {
      port: 0,
      host: "127.0.0.1",
      maxDocumentBytes: 50 * 2 ** 20,
      maxAudioBytes: 100 * 2 ** 20,
      maxJsonBytes: 8 * 2 ** 20,
      timeoutMs: 10 * 60_000,
    });
    const set = loadConfig({
      BOT_TOKEN: TOKEN,
      API_PORT: "8000",
      API_HOST: "0.0.0.0",
      API_MAX_JSON_MB: "2.5",
      API_TIMEOUT: "90s",
    }).api;
    assert.equal(set.port, 8000);
    assert.equal(set.maxJsonBytes, 2.5 * 2 ** 20);
    assert.equal(set.timeoutMs, 90_000);
  });

  it("lists every bad API setting at once, and refuses an API in a model worker", () => {
    assert.deepEqual(
      configError({
        BOT_TOKEN: TOKEN,
        API_PORT: "70000",
        API_MAX_AUDIO_MB: "0",
        API_TIMEOUT: "soon",
      }).problems,
      [
        "API_PORT: Too big: expected number to be <=65535",
        "API_MAX_AUDIO_MB: Too small: expected number to be >=0.1",
        'API_TIMEOUT: expected a duration like "5m" or "30s", got "soon"',
      ],
    );
    assert.deepEqual(
      configError({ ROLE: "worker", REDIS_URL: "redis://r:6379", API_PORT: "8000" }).problems,
      ["API_PORT: a model worker serves no HTTP API; set it on the bot process (ROLE=bot or all)"],
    );
  });

  it("applies documented defaults", () => {
    const config = loadConfig({ BOT_TOKEN: TOKEN }, { cwd: "/srv/bot" });
    assert.equal(config.telegram.apiRoot, "https://api.telegram.org");
    assert.equal(config.telegram.mode, "polling");
    assert.equal(config.dataDir, "/srv/bot/data");
    assert.equal(config.databasePath, "/srv/bot/data/bot.sqlite");
    assert.equal(config.models.dir, "/srv/bot/data/models");
    assert.equal(config.models.profile, "auto");
    assert.equal(config.models.allowRemote, true);
    assert.equal(config.models.idleUnloadMs, 5 * 60_000);
    assert.equal(config.models.budgetBytes, undefined);
    assert.deepEqual(config.access, { adminIds: [], allowedUserIds: [] });
    assert.equal(config.limits.maxFileBytes, 20 * 1024 * 1024);
    assert.equal(config.log.format, "json");
  });

  it("parses lists, sizes, durations and booleans", () => {
    const config = loadConfig({
      BOT_TOKEN: TOKEN,
      ADMIN_IDS: "1, 2 3",
      ALLOWED_USER_IDS: "-100123",
      MODEL_MEMORY_BUDGET: "12GiB",
      MODEL_IDLE_UNLOAD: "0",
      MODELS_PRELOAD: "chat,asr",
      ALLOW_REMOTE_MODELS: "false",
      OCR_LANGS: "rus+eng+deu",
      CHAT_DEVICE: "cuda",
    });
    assert.deepEqual(config.access.adminIds, [1, 2, 3]);
    assert.deepEqual(config.access.allowedUserIds, [-100123]);
    assert.equal(config.models.budgetBytes, 12 * 2 ** 30);
    assert.equal(config.models.idleUnloadMs, 0);
    assert.deepEqual(config.models.preload, ["chat", "asr"]);
    assert.equal(config.models.allowRemote, false);
    assert.deepEqual(config.ocr.langs, ["rus", "eng", "deu"]);
    assert.equal(config.models.overrides.chat.device, "cuda");
  });

  it("parses MODEL_WORKER_THREADS and MODEL_BATCH_THREADS: auto by default, or a boolean", () => {
    const models = (env: Record<string, string>) => loadConfig({ BOT_TOKEN: TOKEN, ...env }).models;
    assert.equal(models({}).workerThreads, "auto");
    assert.equal(models({}).batchThreads, "auto");
    assert.equal(models({ MODEL_WORKER_THREADS: "true" }).workerThreads, true);
    assert.equal(models({ MODEL_WORKER_THREADS: "1" }).workerThreads, true);
    assert.equal(models({ MODEL_WORKER_THREADS: "off" }).workerThreads, false);
    assert.equal(models({ MODEL_BATCH_THREADS: "AUTO" }).batchThreads, "auto");
    assert.equal(models({ MODEL_BATCH_THREADS: "false" }).batchThreads, false);
    const error = configError({
      BOT_TOKEN: TOKEN,
      MODEL_WORKER_THREADS: "maybe",
      MODEL_BATCH_THREADS: "2",
    });
    assert.deepEqual(
      error.problems.map((problem) => problem.split(":")[0]),
      ["MODEL_WORKER_THREADS", "MODEL_BATCH_THREADS"],
    );
    assert.match(error.message, /expected auto, true or false, got "maybe"/);
  });

  it("parses OCR_ENGINE: auto by default, native or js, nothing else", () => {
    assert.equal(loadConfig({ BOT_TOKEN: TOKEN }).ocr.engine, "auto");
    assert.equal(loadConfig({ BOT_TOKEN: TOKEN, OCR_ENGINE: "native" }).ocr.engine, "native");
    assert.equal(loadConfig({ BOT_TOKEN: TOKEN, OCR_ENGINE: "js" }).ocr.engine, "js");
    assert.match(configError({ BOT_TOKEN: TOKEN, OCR_ENGINE: "gpu" }).message, /OCR_ENGINE/);
  });

  it("lists every problem at once, not only the first", () => {
    const error = configError({
      LOG_LEVEL: "loud",
      MODEL_PROFILE: "tpu",
      ADMIN_IDS: "alice",
      MODEL_MEMORY_BUDGET: "lots",
      TELEGRAM_API_ROOT: "not a url",
    });
    const variables = error.problems.map((problem) => problem.split(":")[0]);
    assert.deepEqual(variables.sort(), [
      "ADMIN_IDS",
      "BOT_TOKEN",
      "LOG_LEVEL",
      "MODEL_MEMORY_BUDGET",
      "MODEL_PROFILE",
      "TELEGRAM_API_ROOT",
    ]);
    assert.match(error.message, /BOT_TOKEN: is required: create a bot with @BotFather/);
    assert.equal(error.message.split("\n").length, 7);
  });

  it("requires webhook settings only in webhook mode", () => {
    const error = configError({ BOT_TOKEN: TOKEN, BOT_MODE: "webhook" });
    assert.deepEqual(
      error.problems.map((problem) => problem.split(":")[0]),
      ["WEBHOOK_URL", "WEBHOOK_SECRET"],
    );
  });

  it("never echoes a malformed token back", () => {
    const error = configError({ BOT_TOKEN: "oops-secret-value" });
    assert.doesNotMatch(error.message, /oops-secret-value/);
  });

  it("treats empty variables as unset and keeps the fixture profile offline", () => {
    const config = loadConfig({ BOT_TOKEN: TOKEN, DATA_DIR: "", MODEL_PROFILE: "fixture" });
    assert.equal(config.models.allowRemote, false);
    assert.match(config.dataDir, /data$/);
  });

  it("caps file size at the Bot API download limit unless a self-hosted server is used", () => {
    assert.equal(
      loadConfig({ BOT_TOKEN: TOKEN, MAX_FILE_MB: "100" }).limits.maxFileBytes,
      20 * 2 ** 20,
    );
    const local = loadConfig({
      BOT_TOKEN: TOKEN,
      MAX_FILE_MB: "100",
      TELEGRAM_API_ROOT: "http://127.0.0.1:8081",
    });
    assert.equal(local.limits.maxFileBytes, 100 * 2 ** 20);
  });
});

describe("parsers", () => {
  it("reads sizes and durations", () => {
    assert.equal(parseBytes("16GiB"), 16 * 2 ** 30);
    assert.equal(parseBytes("512 MB"), 512e6);
    assert.equal(parseBytes("1024"), 1024);
    assert.equal(parseBytes("12 parsecs"), undefined);
    assert.equal(parseDurationMs("5m"), 300_000);
    assert.equal(parseDurationMs("1500ms"), 1500);
    assert.equal(parseDurationMs("30"), 30_000);
    assert.equal(parseDurationMs("soon"), undefined);
  });
});

describe("cluster roles", () => {
  it("defaults to one process without Redis", () => {
    const { cluster } = loadConfig({ BOT_TOKEN: TOKEN });
    assert.equal(cluster.role, "all");
    assert.equal(cluster.redisUrl, undefined);
  });

  it("needs REDIS_URL for the bot and worker roles", () => {
    assert.deepEqual(configError({ BOT_TOKEN: TOKEN, ROLE: "bot" }).problems, [
      "REDIS_URL: is required when ROLE=bot",
    ]);
    assert.deepEqual(configError({ ROLE: "worker" }).problems, [
      "REDIS_URL: is required when ROLE=worker",
    ]);
  });

  it("runs a worker without a bot token, with its kinds and timings", () => {
    const { cluster, telegram } = loadConfig({
      ROLE: "worker",
      REDIS_URL: "redis://10.0.0.5:6379",
      WORKER_MODELS: "asr, tts, vision",
      CLUSTER_LOCK_DURATION: "2s",
    });
    assert.equal(telegram.token, "");
    assert.deepEqual(cluster.workerModels, ["asr", "tts", "vision"]);
    assert.equal(cluster.lockDurationMs, 2_000);
    // Room for the longest recording accepted (600 s), decoded and base64-encoded.
    assert.ok(cluster.maxPayloadBytes >= (16_000 * 4 * 600 * 4) / 3);
    assert.equal(cluster.maxPayloadBytes, defaultMaxPayloadBytes(600));
  });

  it("sizes the payload limit from ASR_MAX_SECONDS unless it is set", () => {
    const worker = { ROLE: "worker", REDIS_URL: "redis://r" };
    assert.equal(
      loadConfig({ ...worker, ASR_MAX_SECONDS: "60" }).cluster.maxPayloadBytes,
      32 * 2 ** 20,
    );
    assert.ok(
      loadConfig({ ...worker, ASR_MAX_SECONDS: "1800" }).cluster.maxPayloadBytes > 140 * 2 ** 20,
    );
    assert.equal(
      loadConfig({ ...worker, CLUSTER_MAX_PAYLOAD: "8MiB" }).cluster.maxPayloadBytes,
      8 * 2 ** 20,
    );
  });

  it("refuses an unknown model kind", () => {
    const error = configError({ ROLE: "worker", REDIS_URL: "redis://r", WORKER_MODELS: "gpt" });
    assert.match(error.message, /WORKER_MODELS/);
  });
});

describe(".env.example", () => {
  it("documents exactly the variables the schema reads", () => {
    const example = fs.readFileSync(new URL("../../.env.example", import.meta.url), "utf8");
    const documented = [...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]);
    assert.deepEqual([...new Set(documented)].sort(), Object.keys(envSchema.shape).sort());
  });
});

describe("MODEL_MAX_QUEUE and the Telegram timeouts", () => {
  const load = (env: Record<string, string>) => loadConfig({ BOT_TOKEN: TOKEN, ...env });

  it("defaults to auto (sized from memory), 30 s per Bot API call and 5 min of 429 wait", () => {
    const config = load({});
    assert.deepEqual(config.models.maxQueue, { perModel: {} });
    assert.equal(config.telegram.timeoutMs, 30_000);
    assert.equal(config.telegram.maxRetryAfterMs, 5 * 60_000);
  });

  it("retries an unreachable Telegram at start from 1 s doubling to 1 min, for ever by default", () => {
    assert.deepEqual(load({}).telegram.startRetry, {
      initialMs: 1_000,
      maxDelayMs: 60_000,
      giveUpAfterMs: 0,
    });
    assert.deepEqual(
      load({
        TELEGRAM_START_BACKOFF: "50ms",
        TELEGRAM_START_BACKOFF_MAX: "200ms",
        TELEGRAM_START_RETRY_MAX: "10m",
      }).telegram.startRetry,
      { initialMs: 50, maxDelayMs: 200, giveUpAfterMs: 600_000 },
    );
    assert.match(
      configError({ BOT_TOKEN: TOKEN, TELEGRAM_START_BACKOFF: "0" }).message,
      /TELEGRAM_START_BACKOFF/,
    );
    assert.match(
      configError({
        BOT_TOKEN: TOKEN,
        TELEGRAM_START_BACKOFF: "10s",
        TELEGRAM_START_BACKOFF_MAX: "5s",
      }).message,
      /TELEGRAM_START_BACKOFF_MAX: must be at least TELEGRAM_START_BACKOFF/,
    );
  });

  it("takes one number for every model, or limits per model id", () => {
    assert.deepEqual(load({ MODEL_MAX_QUEUE: "200" }).models.maxQueue, { all: 200, perModel: {} });
    assert.deepEqual(load({ MODEL_MAX_QUEUE: "chat=200, ocr=10" }).models.maxQueue, {
      perModel: { chat: 200, ocr: 10 },
    });
  });

  it("refuses unknown models, zero and garbage", () => {
    for (const value of ["nope=3", "chat=0", "0", "chat:3", "toString=1"]) {
      assert.match(
        configError({ BOT_TOKEN: TOKEN, MODEL_MAX_QUEUE: value }).message,
        /MODEL_MAX_QUEUE/,
      );
    }
  });
});

describe("the data lifecycle settings", () => {
  const load = (env: Record<string, string>) => loadConfig({ BOT_TOKEN: TOKEN, ...env });

  it("defaults to 30 days of results, 90 of history and usage, a 1024 MiB cap, hourly runs", () => {
    assert.deepEqual(load({}).retention, {
      resultsMaxAgeDays: 30,
      historyMaxAgeDays: 90,
      usageMaxAgeDays: 90,
      maxBytes: 1024 * 2 ** 20,
      intervalMs: 3_600_000,
    });
  });

  it("takes 0 as keep forever or no cap", () => {
    const { retention } = load({
      RESULTS_MAX_AGE_DAYS: "0",
      HISTORY_MAX_AGE_DAYS: "0",
      USAGE_MAX_AGE_DAYS: "0",
      DATA_MAX_MB: "0",
      PRUNE_INTERVAL: "6h",
    });
    assert.deepEqual(retention, {
      resultsMaxAgeDays: 0,
      historyMaxAgeDays: 0,
      usageMaxAgeDays: 0,
      maxBytes: 0,
      intervalMs: 6 * 3_600_000,
    });
  });

  it("refuses negative, fractional or garbage values and an interval under a minute", () => {
    for (const [name, value] of [
      ["RESULTS_MAX_AGE_DAYS", "-1"],
      ["HISTORY_MAX_AGE_DAYS", "1.5"],
      ["USAGE_MAX_AGE_DAYS", "forever"],
      ["DATA_MAX_MB", "1GB"],
      ["PRUNE_INTERVAL", "10s"],
    ] as const) {
      assert.match(configError({ BOT_TOKEN: TOKEN, [name]: value }).message, new RegExp(name));
    }
  });
});
