/**
 * The HTTP API under load: N clients for S seconds against the bot as a process
 * (MODEL_PROFILE=fixture, a temporary DATA_DIR, API_PORT on loopback), started through the
 * end-to-end harness as bench:load starts it, with a real API key (created in its database
 * before the start) on every request. Each client sends a chat completion (60 %), a
 * transcription of 11 s of real speech (20 %) or an OCR request for a picture of a line of
 * text (20 %), waits for the answer, thinks 0.5-2 s (seeded) and sends the next. After
 * `--seconds` nobody sends; answers still owed are awaited up to `--grace` seconds.
 * Then, on the quiet server, the overhead of HTTP on a tiny chat request (api-overhead.ts).
 *
 *   npm run bench:api
 *   npm run bench:api -- --clients 10 --seconds 20 --env OWNER_MAX_WAITING=20
 *
 * Options: --clients (50), --seconds (60), --grace (60), --seed (1), --think-ms (500-2000),
 * --rounds (30: overhead pairs), --env KEY=VALUE (repeatable: a setting for the bot).
 * All clients share one key, so one owner's line: OWNER_MAX_WAITING is raised to the number
 * of clients (each has at most one request out, so none is refused for it) and
 * API_RATE_PER_MIN is 0 (unlimited); --env overrides both.
 * Last line: api: clients=… sent=… answered=… lost=… p95_chat_ms=… p95_asr_ms=… p95_ocr_ms=… overhead_ms=…
 */
import fs from "node:fs";
import os from "node:os";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config/index.js";
import { Store } from "../src/memory/index.js";
import { BotProcess, freePort, removeDir, startServer, tempDir } from "../tests/e2e/harness.js";
import { ENGLISH_LINE, textPng } from "../tests/e2e/media.js";
import { apiTable, ApiRun, okLatencies, type ApiKind, type ApiMedia } from "./api-clients.js";
import { chatOverhead } from "./api-overhead.js";
import { percentile } from "./load-users.js";
import { mb, RssWatch } from "./process-rss.js";

const SPEECH = "/work/shared/data/real/jfk.wav";

const { values } = parseArgs({
  options: {
    clients: { type: "string", default: "50" },
    seconds: { type: "string", default: "60" },
    grace: { type: "string", default: "60" },
    seed: { type: "string", default: "1" },
    "think-ms": { type: "string", default: "500-2000" },
    rounds: { type: "string", default: "30" },
    env: { type: "string", multiple: true, default: [] },
  },
});

function positive(name: "clients" | "seconds" | "grace" | "seed" | "rounds"): number {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name}: a positive integer`);
  return value;
}
const CLIENTS = positive("clients");
const SECONDS = positive("seconds");
const GRACE_S = positive("grace");
const SEED = positive("seed");
const ROUNDS = positive("rounds");
const THINK_MS = values["think-ms"].split("-").map(Number) as [number, number];
if (!(THINK_MS[0] >= 0 && THINK_MS[1] >= THINK_MS[0])) throw new Error("--think-ms MIN-MAX");

/** The bot's settings for the bench: the API on, the key's rate and line not what is measured. */
function botEnv(apiPort: number): Record<string, string> {
  return {
    API_PORT: String(apiPort),
    API_RATE_PER_MIN: "0",
    OWNER_MAX_WAITING: String(Math.max(20, CLIENTS)),
    LOG_LEVEL: "warn",
    ...Object.fromEntries(values.env.map((pair) => pair.split(/=(.*)/s).slice(0, 2))),
  };
}

/** A key named "bench" in the bot's database, as `npm run keys -- add bench` makes it. */
function createKey(dataDir: string): string {
  fs.mkdirSync(dataDir, { recursive: true });
  const config = loadConfig({ DATA_DIR: dataDir }, { needsToken: false });
  const store = Store.open(config.databasePath);
  try {
    return store.apiKeys.create({ name: "bench", admin: false, limits: {} }).secret;
  } finally {
    store.close();
  }
}

/** Resolves once the API answers /health (the bot starts it beside polling). */
async function apiReady(baseUrl: string, exited: Promise<unknown>): Promise<void> {
  let dead = false;
  void exited.then(() => (dead = true));
  for (let tries = 0; tries < 300 && !dead; tries++) {
    const ok = await fetch(`${baseUrl}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the API did not answer /health");
}

const load = () =>
  os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(" ");

async function main(): Promise<void> {
  const media: ApiMedia = {
    speech: new Uint8Array(fs.readFileSync(SPEECH)),
    picture: await textPng(ENGLISH_LINE),
  };
  const loadStart = load();
  const server = await startServer();
  const dataDir = tempDir("api");
  const key = createKey(dataDir);
  const apiPort = await freePort();
  const env = botEnv(apiPort);
  const baseUrl = `http://127.0.0.1:${apiPort}`;
  const bot = await BotProcess.start({ server, dataDir, env });
  let alive = true;
  void bot.exited.then(() => (alive = false));
  let summary: string | undefined;
  try {
    await apiReady(baseUrl, bot.exited);
    const rss = new RssWatch(bot.pid);
    console.log(
      `api: ${CLIENTS} clients for ${SECONDS} s (think ${THINK_MS.join("-")} ms, seed ${SEED}, ` +
        `grace ${GRACE_S} s), bot pid ${bot.pid}, rss ${mb(rss.start)} MB, load average ${loadStart}`,
    );
    const timing = { seconds: SECONDS, graceS: GRACE_S, seed: SEED, thinkMs: THINK_MS };
    const run = new ApiRun({ baseUrl, key, media }, timing);
    await Promise.all(Array.from({ length: CLIENTS }, (_, i) => run.client(i)));
    rss.stop();
    for (const line of apiTable(run.requests)) console.log(line);
    const overhead = await chatOverhead({ baseUrl, key, env }, ROUNDS);
    console.log(
      `overhead: ${ROUNDS} tiny chat requests each way (max_tokens 1): ` +
        `http_p50_ms=${overhead.httpMs.toFixed(2)} in_process_p50_ms=${overhead.inProcessMs.toFixed(2)}`,
    );
    console.log(
      `bot: alive=${alive} rss_start_mb=${mb(rss.start)} rss_peak_mb=${mb(rss.peak)} ` +
        `rss_end_mb=${mb(rss.end)} error_logs=${bot.logsAtLeast(50).length}; load average ${load()}`,
    );
    const all = run.requests;
    const p95 = (kind: ApiKind) => Math.round(percentile(okLatencies(all, kind), 95));
    summary =
      `api: clients=${CLIENTS} sent=${all.length} ` +
      `answered=${all.filter((r) => r.status !== undefined).length} ` +
      `lost=${all.filter((r) => r.lost).length} p95_chat_ms=${p95("chat")} ` +
      `p95_asr_ms=${p95("asr")} p95_ocr_ms=${p95("ocr")} overhead_ms=${overhead.overheadMs.toFixed(1)}`;
  } finally {
    await bot.stop().catch((error: unknown) => console.error(`stopping the bot: ${error}`));
    await bot.kill();
    await server.close();
    removeDir(dataDir);
    if (summary) console.log(summary);
  }
}

await main();
