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
 * Options: --users (10), --seconds (60), --grace (60), --think-ms MIN-MAX (4000-12000),
 * --seed (1), --mix (text=0.6,photo=0.2,voice=0.2; add e.g. picture=0.1), --log-level (info), --cpu-prof-dir (none),
 * --env KEY=VALUE (repeatable: a setting for the bot, e.g. --env ASR_LANGUAGE=en).
 *
 * Latency is from the user's message to the bot's first real reply: the answer for text,
 * the recognized text for a photo, the vision model's answer for a picture question, the
 * transcript for a voice note (whose exchange goes on
 * to the answer and the voice reply). "busy" is a reply that refuses for overload (see
 * BUSY_PATTERNS); "lost" is a message that got no reply at all. The bot is stopped with
 * SIGTERM at the end; the exit code is 0 even if the bot died (alive=false).
 * Last line: load: users=… sent=… answered=… lost=… busy=… p95_text_ms=… rss_end_mb=…
 */
import fs from "node:fs";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import type { Chat, User } from "@grammyjs/types";
import {
  BotProcess,
  freePort,
  isProgress,
  removeDir,
  sentText,
  startServer,
  tempDir,
  type Exit,
} from "../tests/e2e/harness.js";
import { ENGLISH_LINE, textPng, voiceNote } from "../tests/e2e/media.js";
import type { BotApiServer, RecordedCall } from "../tests/support/bot-api/index.js";
import { mulberry32 } from "./trace.js";

/**
 * Replies that turn a message down because the bot is overloaded, in both languages. A
 * "you're number N in line" notice that is followed by the answer must NOT match: it would
 * end the exchange early. Adjust here when the locale texts change.
 */
export const BUSY_PATTERNS: readonly RegExp[] = [
  /\b(very|too) busy\b/i,
  /\bbusy right now\b/i,
  /очень занят|слишком занят|перегружен/i,
];

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "10" },
    seconds: { type: "string", default: "60" },
    grace: { type: "string", default: "60" },
    "think-ms": { type: "string", default: "4000-12000" },
    seed: { type: "string", default: "1" },
    mix: { type: "string", default: "text=0.6,photo=0.2,voice=0.2" },
    "log-level": { type: "string", default: "info" },
    "cpu-prof-dir": { type: "string" },
    env: { type: "string", multiple: true, default: [] },
  },
});
const USERS = positive("users");
const SECONDS = positive("seconds");
const GRACE_S = positive("grace");
const SEED = positive("seed");
const [THINK_MIN_MS, THINK_MAX_MS] = values["think-ms"].split("-").map(Number) as [number, number];
if (!(THINK_MIN_MS >= 0 && THINK_MAX_MS >= THINK_MIN_MS)) throw new Error("--think-ms MIN-MAX");

function positive(name: "users" | "seconds" | "grace" | "seed"): number {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name}: a positive integer`);
  return value;
}

type Kind = "text" | "photo" | "voice" | "picture";
const KINDS: readonly Kind[] = ["text", "photo", "voice", "picture"];
/** The caption of a picture question. */
const PICTURE_QUESTION = "What is in this picture?";
/** How often each kind is sent (--mix): by default mostly text, as people chat. */
const MIX = parseMix(values.mix);

function parseMix(spec: string): [Kind, number][] {
  const shares = spec.split(",").map((part) => {
    const [kind, share] = part.split("=");
    if (!KINDS.includes(kind as Kind) || !(Number(share) >= 0))
      throw new Error(`--mix: kind=share,... with kinds ${KINDS.join(", ")}`);
    return [kind as Kind, Number(share)] as [Kind, number];
  });
  const total = shares.reduce((sum, [, share]) => sum + share, 0);
  if (total <= 0) throw new Error("--mix: the shares add up to nothing");
  return shares.map(([kind, share]) => [kind, share / total]);
}
const QUESTIONS = [
  "What is the capital of France?",
  "Можешь объяснить, как работает фотосинтез?",
  "Write a haiku about the sea.",
  "Сколько будет семь умножить на восемь?",
  "Give me three tips for a job interview.",
  "Что посмотреть в Петербурге за выходные?",
];
/** Reply methods that carry the bot's answer (progress messages are filtered out). */
const REPLY_METHODS = new Set(["sendMessage", "sendDocument", "sendVoice"]);

function pick(random: () => number): Kind {
  let roll = random();
  for (const [kind, share] of MIX) if ((roll -= share) < 0) return kind;
  return "text";
}

type Outcome = "answered" | "busy" | "lost";
interface Exchange {
  kind: Kind;
  outcome: Outcome;
  /** Until the first real reply, for answered exchanges. */
  latencyMs?: number;
}

/** Resident memory of a process in MB (VmRSS), or undefined once it is gone. */
function rssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

class LoadRun {
  readonly exchanges: Exchange[] = [];
  private readonly startedAt = performance.now();
  readonly endAt = this.startedAt + SECONDS * 1000;
  readonly deadline = this.endAt + GRACE_S * 1000;
  /** Users stop sending once the bot is gone. */
  private dead = false;

  constructor(
    private readonly server: BotApiServer,
    private readonly died: Promise<Exit>,
    private readonly media: { photo: Uint8Array; voice: Uint8Array },
  ) {
    void died.then(() => (this.dead = true));
  }

  /** One user: think, send, wait for the whole answer; until the run's time is up. */
  async user(index: number): Promise<void> {
    const random = mulberry32(SEED * 100_003 + index);
    const user = this.server.users.create({ language_code: index % 2 === 0 ? "en" : "ru" });
    const chat = this.server.users.privateChat(user);
    const think = () => THINK_MIN_MS + random() * (THINK_MAX_MS - THINK_MIN_MS);
    // Users arrive spread over one think time, not all in the same millisecond.
    let pause = random() * think();
    for (;;) {
      if (performance.now() + pause >= this.endAt) return;
      await sleep(pause);
      if (this.dead) return;
      const kind = pick(random);
      this.exchanges.push(await this.exchange(chat, user, kind, random));
      pause = think();
    }
  }

  private async exchange(
    chat: Chat.PrivateChat,
    user: User,
    kind: Kind,
    random: () => number,
  ): Promise<Exchange> {
    const since = this.server.calls.length;
    const sentAt = performance.now();
    const { users } = this.server;
    if (kind === "text")
      users.sendText(chat, user, QUESTIONS[Math.floor(random() * QUESTIONS.length)]!);
    else if (kind === "photo") users.sendPhoto(chat, user, this.media.photo);
    else if (kind === "picture")
      users.sendPhoto(chat, user, this.media.photo, { caption: PICTURE_QUESTION });
    else users.sendVoice(chat, user, this.media.voice, { duration: 2 });

    let latencyMs: number | undefined;
    for (;;) {
      const reply = await this.nextReply(chat.id, since);
      if (!reply) return latencyMs === undefined ? { kind, outcome: "lost" } : answered();
      const text = sentText(reply.call);
      if (BUSY_PATTERNS.some((pattern) => pattern.test(text))) return { kind, outcome: "busy" };
      latencyMs ??= reply.at - sentAt;
      // A voice note is answered in three steps: transcript, answer, voice reply. An error
      // reply (not a voice) at any step ends it too.
      if (kind !== "voice" || reply.call.method === "sendVoice" || isError(text)) return answered();
    }

    function answered(): Exchange {
      return { kind, outcome: "answered", latencyMs };
    }
  }

  /** The bot's next real reply in the chat, or undefined at the deadline or if the bot died. */
  private async nextReply(
    chatId: number,
    since: number,
  ): Promise<{ call: RecordedCall; at: number } | undefined> {
    const timeoutMs = this.deadline - performance.now();
    if (timeoutMs <= 0) return undefined;
    const wait = this.server
      .waitFor(
        (c) =>
          c.chatId === chatId &&
          REPLY_METHODS.has(c.method) &&
          c.result !== undefined &&
          !isProgress(sentText(c)),
        { since, timeoutMs },
      )
      .then((call) => ({ call, at: performance.now() }));
    return Promise.race([wait, this.died.then(() => undefined)]).catch(() => undefined);
  }
}

/** The generic failure replies (error-internal and friends), in both languages. */
const ERROR_TEXTS = [/^Sorry, something went wrong/, /^Извините, что-то пошло не так/];
function isError(text: string): boolean {
  return ERROR_TEXTS.some((pattern) => pattern.test(text));
}

function report(
  run: LoadRun,
  server: BotApiServer,
  bot: BotProcess,
  rss: RssWatch,
  alive: boolean,
): void {
  const all = run.exchanges;
  const count = (outcome: Outcome, kind?: Kind) =>
    all.filter((e) => e.outcome === outcome && (!kind || e.kind === kind)).length;
  const latencies = (kind: Kind) =>
    all
      .filter((e) => e.kind === kind && e.latencyMs !== undefined)
      .map((e) => e.latencyMs!)
      .sort((a, b) => a - b);

  console.log("kind    sent answered busy lost   p50_ms   p95_ms   max_ms");
  for (const kind of KINDS) {
    const sorted = latencies(kind);
    const sent = all.filter((e) => e.kind === kind).length;
    const ms = (p: number) => String(Math.round(percentile(sorted, p))).padStart(8);
    const max = String(Math.round(sorted.at(-1) ?? 0)).padStart(8);
    console.log(
      `${kind.padEnd(7)} ${String(sent).padStart(4)} ${String(count("answered", kind)).padStart(8)} ` +
        `${String(count("busy", kind)).padStart(4)} ${String(count("lost", kind)).padStart(4)} ` +
        `${ms(50)} ${ms(95)} ${max}`,
    );
  }

  const methods = new Map<string, number>();
  for (const call of server.calls) methods.set(call.method, (methods.get(call.method) ?? 0) + 1);
  const calls = [...methods].sort((a, b) => b[1] - a[1]).map(([m, n]) => `${m}=${n}`);
  console.log(`bot api calls: ${calls.join(" ")}`);
  const failed = server.calls.filter((c) => c.error).length;
  const errors = bot.logsAtLeast(50).length;
  const mb = (value: number | undefined) => (value === undefined ? "n/a" : value.toFixed(0));
  console.log(
    `bot: alive=${alive} rss_start_mb=${mb(rss.start)} rss_peak_mb=${mb(rss.peak)} ` +
      `rss_end_mb=${mb(rss.end)} error_logs=${errors} failed_api_calls=${failed}`,
  );
  const p95Text = Math.round(percentile(latencies("text"), 95));
  console.log(
    `load: users=${USERS} sent=${all.length} answered=${count("answered")} lost=${count("lost")} ` +
      `busy=${count("busy")} p95_text_ms=${p95Text} rss_end_mb=${mb(rss.end)}`,
  );
}

/**
 * Where the bot's time went, from its own /metrics: per task and model, jobs run, mean queue
 * wait and mean run time; and the event loop's lag (a busy main thread delays everything).
 */
async function modelFigures(metricsPort: number): Promise<string[]> {
  const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text());
  const sums = new Map<string, number>();
  /** Cumulative histograms per "task wait|duration": upper bound (s) -> jobs. */
  const histograms = new Map<string, Map<number, number>>();
  for (const [, name, labels, value] of text.matchAll(/^(\w+)\{([^}]*)\} (\S+)$/gm)) {
    const task = /task="([^"]+)"/.exec(labels!)?.[1];
    const histogram = /^bot_job_(wait|duration)_seconds_bucket$/.exec(name!)?.[1];
    if (task && histogram) {
      const le = Number(/le="([^"]+)"/.exec(labels!)?.[1]);
      const buckets = histograms.get(`${task} ${histogram}`) ?? new Map<number, number>();
      buckets.set(le, (buckets.get(le) ?? 0) + Number(value));
      histograms.set(`${task} ${histogram}`, buckets);
    }
    if (!task || !/^bot_job_(duration|wait)_seconds_(sum|count)$/.test(name!)) continue;
    const key = `${task} ${name!.replace(/^bot_job_|_seconds/g, "")}`;
    sums.set(key, (sums.get(key) ?? 0) + Number(value));
  }
  const tasks = new Set([...sums.keys()].map((key) => key.split(" ")[0]!));
  const lines = [...tasks].sort().map((task) => {
    const get = (what: string) => sums.get(`${task} ${what}`) ?? 0;
    const mean = (what: string) => (get(`${what}_sum`) / Math.max(1, get(`${what}_count`))) * 1000;
    // The bucket bound under which 95% of the jobs fall.
    const p95 = (what: string) => {
      const buckets = [...(histograms.get(`${task} ${what}`) ?? [])].sort((a, b) => a[0] - b[0]);
      const total = buckets.at(-1)?.[1] ?? 0;
      return buckets.find(([, jobs]) => jobs >= 0.95 * total)?.[0] ?? 0;
    };
    return (
      `job ${task}: n=${get("duration_count")} wait_avg_ms=${mean("wait").toFixed(0)} ` +
      `wait_p95_s<=${p95("wait")} run_avg_ms=${mean("duration").toFixed(0)} ` +
      `run_p95_s<=${p95("duration")}`
    );
  });
  const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1]);
  const ms = (name: string) => (gauge(name) * 1000).toFixed(0);
  lines.push(
    `event loop lag: p50_ms=${ms("nodejs_eventloop_lag_p50_seconds")} ` +
      `p99_ms=${ms("nodejs_eventloop_lag_p99_seconds")} max_ms=${ms("nodejs_eventloop_lag_max_seconds")}; ` +
      `cpu_s=${gauge("process_cpu_seconds_total").toFixed(1)}`,
  );
  return lines;
}

/** The bot's RSS at the start, its peak (sampled each second) and at the end. */
class RssWatch {
  readonly start: number | undefined;
  peak: number | undefined;
  end: number | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number | undefined) {
    this.start = this.peak = rssMb(pid);
    this.timer = setInterval(() => this.sample(), 1000);
  }

  stop(): void {
    clearInterval(this.timer);
    this.end = this.sample();
  }

  private sample(): number | undefined {
    const now = rssMb(this.pid);
    if (now !== undefined) this.peak = Math.max(this.peak ?? 0, now);
    return now;
  }
}

async function main(): Promise<void> {
  const media = { photo: await textPng(ENGLISH_LINE), voice: await voiceNote(2) };
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
  const rss = new RssWatch(bot.pid);
  console.log(
    `load: ${USERS} users for ${SECONDS} s (think ${THINK_MIN_MS}-${THINK_MAX_MS} ms, ` +
      `seed ${SEED}, grace ${GRACE_S} s), bot pid ${bot.pid}, rss ${rss.start?.toFixed(0)} MB`,
  );
  // The Bot API server and the users run in this process: its lag delays every API call.
  const benchLag = monitorEventLoopDelay({ resolution: 10 });
  benchLag.enable();
  const run = new LoadRun(server, bot.exited, media);
  try {
    await Promise.all(Array.from({ length: USERS }, (_, i) => run.user(i)));
  } finally {
    rss.stop();
    if (alive) {
      const figures = await modelFigures(metricsPort).catch((error: unknown) => [
        `metrics: ${String(error)}`,
      ]);
      for (const line of figures) console.log(line);
    }
    benchLag.disable();
    const lagMs = (p: number) => (benchLag.percentile(p) / 1e6).toFixed(0);
    console.log(`bench event loop lag: p50_ms=${lagMs(50)} p99_ms=${lagMs(99)}`);
    report(run, server, bot, rss, alive);
    await bot.stop().catch((error: unknown) => console.error(`stopping the bot: ${error}`));
    await bot.kill();
    await server.close();
    removeDir(dataDir);
    if (profDir) console.error(`cpu profile written to ${profDir}`);
  }
}

await main();
