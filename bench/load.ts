/**
 * Load: N simulated users at human pace against the bot as a process (MODEL_PROFILE=fixture,
 * a temporary DATA_DIR) on the loopback Bot API server, through the end-to-end harness.
 * Each user thinks a few seconds (seeded jitter), sends a text, a photo of a line of text, a
 * voice note or (when --mix asks for it) a photo with a question in its caption for the vision
 * model, and waits for the bot to finish answering before thinking again. After
 * `--seconds` nobody sends; replies still owed are awaited up to `--grace` seconds.
 *
 *   npm run bench:load -- --users 50 --seconds 60
 *   npm run bench:load -- --users 200 --seconds 60 --cpu-prof-dir /tmp/prof   # + a CPU profile
 *
 *   npm run bench:load -- --users 200 --seconds 60 --heavy 20     # + the fairness scenario
 *
 * Options: --users (10), --seconds (60), --grace (60), --think-ms MIN-MAX (4000-12000),
 * --seed (1), --mix (text=0.6,photo=0.2,voice=0.2; add e.g. picture=0.1), --log-level (info), --cpu-prof-dir (none),
 * --env KEY=VALUE (repeatable: a setting for the bot, e.g. --env ASR_LANGUAGE=en),
 * --heavy N (0: none; the fairness scenario of load-fair.ts after the load scenario, on the
 * same bot, with N of the users heavy), --light-mix (text=0.8,picture=0.2: its light users).
 *
 * Latency is from the user's message to the bot's first real reply: the answer for text,
 * the recognized text for a photo, the vision model's answer for a picture question, the
 * transcript for a voice note (whose exchange goes on
 * to the answer and the voice reply). "busy" is a reply that refuses for overload (see
 * BUSY_PATTERNS); "lost" is a message that got no reply at all. The bot is stopped with
 * SIGTERM at the end; the exit code is 0 even if the bot died (alive=false).
 * Last line: load: users=… sent=… answered=… lost=… busy=… p95_text_ms=… rss_end_mb=…
 * With --heavy, the fairness scenario's figures come before it and its line after it, last:
 * fair: users=… heavy=… p95_light_ms=… p95_light_alone_ms=… ratio=… lost=…
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { BotProcess, freePort, removeDir, startServer, tempDir } from "../tests/e2e/harness.js";
import { ENGLISH_LINE, textPng, voiceNote } from "../tests/e2e/media.js";
import type { BotApiServer } from "../tests/support/bot-api/index.js";
import { fairness, heavyMedia } from "./load-fair.js";
import { jobFigures, readMetrics } from "./load-metrics.js";
import { mb, RssWatch } from "./process-rss.js";
import {
  countOf,
  kindTable,
  latencies,
  MIX_KINDS,
  parseMix,
  percentile,
  Phase,
  thinking,
} from "./load-users.js";

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "10" },
    seconds: { type: "string", default: "60" },
    grace: { type: "string", default: "60" },
    "think-ms": { type: "string", default: "4000-12000" },
    seed: { type: "string", default: "1" },
    mix: { type: "string", default: "text=0.6,photo=0.2,voice=0.2" },
    heavy: { type: "string", default: "0" },
    "light-mix": { type: "string", default: "text=0.8,picture=0.2" },
    "log-level": { type: "string", default: "info" },
    "cpu-prof-dir": { type: "string" },
    env: { type: "string", multiple: true, default: [] },
  },
});
const USERS = positive("users");
const SECONDS = positive("seconds");
const GRACE_S = positive("grace");
const SEED = positive("seed");
const HEAVY = Number(values.heavy);
if (!(Number.isInteger(HEAVY) && HEAVY >= 0 && HEAVY < USERS))
  throw new Error("--heavy: an integer from 0 to fewer than --users");
const [THINK_MIN_MS, THINK_MAX_MS] = values["think-ms"].split("-").map(Number) as [number, number];
if (!(THINK_MIN_MS >= 0 && THINK_MAX_MS >= THINK_MIN_MS)) throw new Error("--think-ms MIN-MAX");
/** How often each kind is sent (--mix): by default mostly text, as people chat. */
const MIX = parseMix(values.mix, "--mix");
const LIGHT_MIX = parseMix(values["light-mix"], "--light-mix");

function positive(name: "users" | "seconds" | "grace" | "seed"): number {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name}: a positive integer`);
  return value;
}

/** The Bot API calls by method, and the bot's health: alive, memory, errors. */
function botLines(server: BotApiServer, bot: BotProcess, rss: RssWatch, alive: boolean): string[] {
  const methods = new Map<string, number>();
  for (const call of server.calls) methods.set(call.method, (methods.get(call.method) ?? 0) + 1);
  const calls = [...methods].sort((a, b) => b[1] - a[1]).map(([m, n]) => `${m}=${n}`);
  const failed = server.calls.filter((c) => c.error);
  const errors = bot.logsAtLeast(50).length;
  const firstFailed = failed
    .slice(0, 5)
    .map((c) => `${c.method} ${c.error!.error_code} ${c.error!.description}`);
  return [
    `bot api calls: ${calls.join(" ")}`,
    ...(firstFailed.length > 0 ? [`failed api calls (first 5): ${firstFailed.join("; ")}`] : []),
    `bot: alive=${alive} rss_start_mb=${mb(rss.start)} rss_peak_mb=${mb(rss.peak)} ` +
      `rss_end_mb=${mb(rss.end)} error_logs=${errors} failed_api_calls=${failed.length}`,
  ];
}

/** The load scenario's `load:` summary line. */
function loadLine(run: Phase, rss: RssWatch): string {
  const all = run.exchanges;
  const p95Text = Math.round(percentile(latencies(all, ["text"]), 95));
  return (
    `load: users=${USERS} sent=${all.length} answered=${countOf(all, "answered")} ` +
    `lost=${countOf(all, "lost")} busy=${countOf(all, "busy")} p95_text_ms=${p95Text} ` +
    `rss_end_mb=${mb(rss.end)}`
  );
}
async function main(): Promise<void> {
  const media = {
    photo: await textPng(ENGLISH_LINE),
    voice: await voiceNote(2),
    ...(HEAVY > 0 ? await heavyMedia() : {}),
  };
  const server = await startServer();
  const dataDir = tempDir("load");
  const profDir = values["cpu-prof-dir"];
  const metricsPort = await freePort();
  const bot = await BotProcess.start({
    server,
    dataDir,
    env: {
      // The per-user limit is not what is measured: users here send a few messages a minute.
      RATE_LIMIT_PER_MINUTE: "1000",
      LOG_LEVEL: values["log-level"],
      METRICS_PORT: String(metricsPort),
      ...Object.fromEntries(values.env.map((pair) => pair.split(/=(.*)/s).slice(0, 2))),
    },
    nodeArgs: profDir ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : [],
  });
  let alive = true;
  void bot.exited.then(() => (alive = false));
  const metrics = async () =>
    alive ? await readMetrics(metricsPort).catch(() => undefined) : undefined;
  const rss = new RssWatch(bot.pid);
  console.log(
    `load: ${USERS} users for ${SECONDS} s (think ${THINK_MIN_MS}-${THINK_MAX_MS} ms, ` +
      `seed ${SEED}, grace ${GRACE_S} s), bot pid ${bot.pid}, rss ${rss.start?.toFixed(0)} MB`,
  );
  // The Bot API server and the users run in this process: its lag delays every API call.
  const benchLag = monitorEventLoopDelay({ resolution: 10 });
  benchLag.enable();
  const timing = { seconds: SECONDS, graceS: GRACE_S, seed: SEED };
  const thinkMs = [THINK_MIN_MS, THINK_MAX_MS] as const;
  const run = new Phase(server, bot.exited, media, timing);
  const lastLines: string[] = [];
  let fairRss: RssWatch | undefined;
  try {
    const thinker = thinking(MIX, thinkMs);
    const start = await metrics();
    await Promise.all(Array.from({ length: USERS }, (_, i) => run.user(i, thinker)));
    rss.stop();
    const snapshot = await metrics();
    if (snapshot) for (const line of jobFigures(snapshot, start)) console.log(line);
    const lagMs = (p: number) => (benchLag.percentile(p) / 1e6).toFixed(0);
    console.log(`bench event loop lag: p50_ms=${lagMs(50)} p99_ms=${lagMs(99)}`);
    for (const line of kindTable(run.exchanges, MIX_KINDS)) console.log(line);
    for (const line of botLines(server, bot, rss, alive)) console.log(line);
    // The summary lines come last, the load scenario's then the fairness scenario's.
    lastLines.push(loadLine(run, rss));
    if (HEAVY > 0) {
      fairRss = new RssWatch(bot.pid);
      const crowd = { users: USERS, heavy: HEAVY, lightMix: LIGHT_MIX, thinkMs };
      lastLines.push(
        await fairness({ server, died: bot.exited, media, metrics, ...crowd, ...timing }),
      );
      fairRss.stop();
      for (const line of botLines(server, bot, fairRss, alive)) console.log(line);
    }
  } finally {
    rss.stop();
    fairRss?.stop();
    benchLag.disable();
    for (const line of lastLines) console.log(line);
    await bot.stop().catch((error: unknown) => console.error(`stopping the bot: ${error}`));
    await bot.kill();
    await server.close();
    removeDir(dataDir);
    if (profDir) console.error(`cpu profile written to ${profDir}`);
  }
}

await main();
