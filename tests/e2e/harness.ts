/**
 * End-to-end harness: runs the bot as a real child process, the way `npm start` runs it,
 * against the loopback Bot API server (tests/support/bot-api) over real HTTP, and lets
 * tests act as Telegram users and read the bot's JSON logs.
 *
 * Why `node --single-threaded-gc --import tsx src/main.ts` and not `npm start`: `npm start`
 * is `bash scripts/setup.sh runtime && exec node` with the same arguments. The setup step is
 * idempotent but runs dpkg checks and hashes the lockfile on every start, which needs no
 * testing in every file (it has its own checks), and npm sits between the test and the
 * bot. So the bot runs the same entry point with the same options (NODE_FLAGS) and loader
 * in one process: signals, exit codes and stdout are the bot's own. `npmStart: true` runs
 * `npm start` itself, in its own process group, for the test of a signal sent to the whole
 * group.
 *
 * The child runs in a fresh temporary working directory (with tsx pointed at the repo's
 * tsconfig): a developer's `.env` in the repo root can't leak settings into the tests,
 * and a bot that wrote into its working directory instead of DATA_DIR would show up.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Chat, InlineKeyboardButton, Message, User } from "@grammyjs/types";
import assert from "node:assert/strict";
import { LAST_RESORT_MESSAGE } from "../../src/app/last-resort.js";
import { NODE_FLAGS } from "../../src/app/node-flags.js";
import { envSchema } from "../../src/config/schema.js";
import { BotApiServer, type RecordedCall } from "../support/bot-api/index.js";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = path.join(REPO_ROOT, "src", "main.ts");
/** The tsx loader, resolved here so the child needs no node_modules next to its cwd. */
const TSX_LOADER = import.meta.resolve("tsx");

/** A token the config accepts (it checks the shape: digits, colon, 20+ characters). */
export const E2E_TOKEN = "4242424242:E2E-test-token-0123456789abcdef";

/** What the fixture chat model (MODEL_PROFILE=fixture) answers to anything. */
export const FIXTURE_ANSWER = "Hello! I am a tiny local model.";
/** What the fixture Whisper hears in any audio, trimmed. */
export const FIXTURE_TRANSCRIPT = "The quick brown fox jumps over the lazy dog.";

/** Generous safety nets: the suite runs on 2 shared cores, and nothing here sleeps. */
export const START_TIMEOUT_MS = 60_000;
export const JOB_TIMEOUT_MS = 60_000;

/** One line the bot logged (pino JSON), or `{ raw }` for a line that was not JSON. */
export interface LogLine {
  level?: number;
  msg?: string;
  raw?: string;
  [key: string]: unknown;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface BotProcessOptions {
  server: BotApiServer;
  /** DATA_DIR: the SQLite database and runtime files. Reuse it to test a restart. */
  dataDir: string;
  adminIds?: readonly number[];
  /** Extra or overriding environment variables; `undefined` removes one. */
  env?: Record<string, string | undefined>;
  /**
   * Run `npm start` (its setup step, then the bot) instead of node itself, detached in its
   * own process group as a terminal or systemd runs it, from a working directory that
   * links the repo's files (so a `.env` in the repo still can't leak in).
   */
  npmStart?: boolean;
  /** Extra node options before the entry point, e.g. `--cpu-prof` (bench/load.ts). */
  nodeArgs?: readonly string[];
}

/** What `npm start` needs beside it: the package, its setup script, sources and modules. */
/**
 * `npm start` runs `npm ci` when the lock changed since the last install, and node_modules
 * is linked, not copied: that would replace the repository's modules under every other
 * test running. Refuse instead, naming the command that brings them up to date.
 */
function assertInstalled(): void {
  const lock = createHash("sha256")
    .update(fs.readFileSync(path.join(REPO_ROOT, "package-lock.json")))
    .digest("hex");
  const stamp = path.join(REPO_ROOT, "node_modules", ".setup-stamp");
  const installed = fs.existsSync(stamp) ? fs.readFileSync(stamp, "utf8").trim() : "";
  if (installed !== lock)
    throw new Error(
      "node_modules is older than package-lock.json: run `bash scripts/setup.sh test` first",
    );
}

const NPM_START_FILES = [
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "scripts",
  "src",
  "node_modules",
];

/** Every live child, so none outlives the test process even when a test forgets one. */
const live = new Set<BotProcess>();
process.on("exit", () => {
  for (const bot of live) bot.signal("SIGKILL");
});

/**
 * The environment the bot inherits: this process's (PATH, HOME, locale...) minus every
 * variable the bot's config reads, so the test runner's own environment can't change
 * what is tested, and minus the test runner's marker.
 */
function inheritedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  const configKeys = new Set(Object.keys(envSchema.shape));
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || configKeys.has(key) || key === "NODE_TEST_CONTEXT") continue;
    env[key] = value;
  }
  return env;
}

/** The bot, running as a child process. Create with {@link BotProcess.start}. */
export class BotProcess {
  /** Parsed stdout lines, in order. */
  readonly logs: LogLine[] = [];
  /** Everything the process wrote to stderr. */
  stderr = "";
  private partial = "";
  private readonly logWaiters = new Set<(line: LogLine) => void>();
  /** Resolves with how the process ended, whenever it ends (no timeout). */
  readonly exited: Promise<Exit>;
  private exit: Exit | undefined;

  private constructor(
    private readonly child: ChildProcess,
    /** The process's working directory: empty, and it should stay so (data goes to DATA_DIR). */
    readonly cwd: string,
    /** The child leads its own process group (`npm start`): signals go to the whole group. */
    private readonly group = false,
  ) {
    live.add(this);
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => this.onStdout(chunk));
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => {
      child.on("exit", (code, signal) => {
        live.delete(this);
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  /**
   * Spawns the bot and resolves once it takes updates: it called getMe, then holds a
   * getUpdates open (polling) or registered its webhook (BOT_MODE=webhook). Rejects, with
   * the bot's output, if it exits first.
   */
  static async start(options: BotProcessOptions): Promise<BotProcess> {
    const { server } = options;
    const since = server.calls.length;
    const bot = BotProcess.spawn(options);
    const failed = bot.exited.then((exit) => {
      throw new Error(`the bot exited before polling (${describeExit(exit)})\n${bot.output()}`);
    });
    const ready = (async () => {
      const wait = { since, timeoutMs: START_TIMEOUT_MS };
      await server.waitFor((call) => call.method === "getMe", wait);
      if (options.env?.BOT_MODE === "webhook")
        await server.waitFor((c) => c.method === "setWebhook", wait);
      else await server.waitForPolling();
    })();
    try {
      await bot.withTimeout(Promise.race([ready, failed]), START_TIMEOUT_MS, "start polling");
    } catch (error) {
      await bot.kill();
      throw error;
    }
    failed.catch(() => undefined); // an exit after start is the test's business
    return bot;
  }

  /**
   * Spawns the bot and returns at once, without waiting for anything (e.g. a failed start).
   * `server` only gives the token and API root: a Bot API that isn't up yet will do.
   */
  static spawn(
    options: Omit<BotProcessOptions, "server"> & {
      server: Pick<BotApiServer, "token" | "apiRoot">;
    },
  ): BotProcess {
    const { server, dataDir } = options;
    fs.mkdirSync(dataDir, { recursive: true });
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-cwd-"));
    const env: Record<string, string | undefined> = {
      ...inheritedEnv(),
      TSX_TSCONFIG_PATH: path.join(REPO_ROOT, "tsconfig.json"),
      BOT_TOKEN: server.token,
      TELEGRAM_API_ROOT: server.apiRoot,
      DATA_DIR: dataDir,
      ADMIN_IDS: (options.adminIds ?? []).join(","),
      MODEL_PROFILE: "fixture",
      LOG_FORMAT: "json",
      LOG_LEVEL: "info",
      METRICS_PORT: "0",
      SHUTDOWN_TIMEOUT: "10s",
      ...options.env,
    };
    for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
    if (options.npmStart) {
      assertInstalled();
      for (const name of NPM_START_FILES)
        fs.symlinkSync(path.join(REPO_ROOT, name), path.join(cwd, name));
      const child = spawn("npm", ["start"], {
        cwd,
        env,
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      return new BotProcess(child, cwd, true);
    }
    const args = [...NODE_FLAGS, ...(options.nodeArgs ?? []), "--import", TSX_LOADER, MAIN];
    const child = spawn(process.execPath, args, {
      cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    return new BotProcess(child, cwd);
  }

  /** Sends `signal` to the process, or to its whole process group for `npm start`. */
  signal(signal: NodeJS.Signals): void {
    if (!this.group) {
      this.child.kill(signal);
      return;
    }
    try {
      process.kill(-this.child.pid!, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
    }
  }

  /** The process id (for /proc/<pid>/status in the load benchmark). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Resolves with how the process ended, when it ends by itself. */
  waitForExit(): Promise<Exit> {
    return this.withTimeout(this.exited, START_TIMEOUT_MS, "the process to exit");
  }

  /** Sends `signal` (SIGTERM by default) and resolves with how the process ended. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<Exit> {
    if (this.exit) return this.exit;
    this.signal(signal);
    return this.withTimeout(this.exited, START_TIMEOUT_MS, `the exit after ${signal}`);
  }

  /** Kills the process (SIGKILL) if it still runs, and removes its working directory. */
  async kill(): Promise<void> {
    if (!this.exit) {
      this.signal("SIGKILL");
      await this.exited;
    }
    // npm's own exit does not wait for a node it failed to stop.
    if (this.group) this.signal("SIGKILL");
    removeDir(this.cwd);
  }

  /** Files the process created in its working directory (there should be none). */
  strayFiles(): string[] {
    return fs.existsSync(this.cwd) ? fs.readdirSync(this.cwd) : [];
  }

  /** Log lines at `level` (pino numbers: 40 warn, 50 error, 60 fatal) or above. */
  logsAtLeast(level: number): LogLine[] {
    return this.logs.filter((line) => (line.level ?? 0) >= level);
  }

  /** The last log lines and stderr, for failure messages. */
  output(lines = 40): string {
    const tail = this.logs.slice(-lines).map((line) => line.raw ?? JSON.stringify(line));
    const stderr = this.stderr.trim() ? `\n--- stderr ---\n${this.stderr.trim()}` : "";
    return `--- last ${tail.length} log lines ---\n${tail.join("\n")}${stderr}`;
  }

  private onStdout(chunk: string): void {
    const text = this.partial + chunk;
    const lines = text.split("\n");
    this.partial = lines.pop() ?? "";
    for (const raw of lines) {
      if (!raw.trim()) continue;
      let line: LogLine;
      try {
        line = JSON.parse(raw) as LogLine;
      } catch {
        line = { raw };
      }
      this.logs.push(line);
      for (const waiter of this.logWaiters) waiter(line);
    }
  }

  /** The first log line (from index `since` on) matching `predicate`. */
  waitForLog(
    predicate: (line: LogLine) => boolean,
    options: { since?: number; timeoutMs?: number } = {},
  ): Promise<LogLine> {
    const seen = this.logs.slice(options.since ?? 0).find(predicate);
    if (seen) return Promise.resolve(seen);
    let waiter: ((line: LogLine) => void) | undefined;
    const found = new Promise<LogLine>((resolve) => {
      waiter = (line) => {
        if (predicate(line)) resolve(line);
      };
      this.logWaiters.add(waiter);
    });
    return this.withTimeout(found, options.timeoutMs ?? JOB_TIMEOUT_MS, "a log line").finally(() =>
      this.logWaiters.delete(waiter!),
    );
  }

  /** `promise`, or a rejection with the bot's output after `ms`: a safety net, never a pause. */
  private async withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`timed out after ${ms} ms waiting for ${what}\n${this.output()}`)),
        ms,
      );
    });
    try {
      return await Promise.race([promise, expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function describeExit(exit: Exit): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

/** A TCP port that was free a moment ago (for the bot's webhook server). */
export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** A fresh temporary directory, removed by {@link removeDir}. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `e2e-${prefix}-`));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** A loopback Bot API server with a token the bot's config accepts. */
export function startServer(): Promise<BotApiServer> {
  return BotApiServer.start({ token: E2E_TOKEN });
}

/**
 * One test file's world: a loopback Bot API server and the bot process polling it,
 * with DATA_DIR in a temporary directory. `close()` stops both and removes the data.
 */
export class E2E {
  private constructor(
    readonly server: BotApiServer,
    public bot: BotProcess,
    readonly dataDir: string,
    private readonly spawnOptions: Pick<BotProcessOptions, "adminIds" | "env" | "npmStart">,
    /** The bot process's HTTP API (`api: true`), e.g. http://127.0.0.1:41234. */
    readonly apiUrl?: string,
  ) {}

  /**
   * Starts the bot against `options.server` (create users first to know admin ids) or a
   * new server.
   */
  static async start(
    options: {
      server?: BotApiServer;
      adminIds?: readonly number[];
      env?: Record<string, string>;
      npmStart?: boolean;
      /** Also serve the HTTP API, on a port free a moment before (kept across restarts). */
      api?: boolean;
    } = {},
  ): Promise<E2E> {
    const server = options.server ?? (await startServer());
    const dataDir = tempDir("data");
    const apiPort = options.api ? await freePort() : undefined;
    const spawnOptions = {
      adminIds: options.adminIds ?? [],
      env: { ...(apiPort ? { API_PORT: String(apiPort) } : {}), ...options.env },
      npmStart: options.npmStart,
    };
    try {
      const bot = await BotProcess.start({ server, dataDir, ...spawnOptions });
      const apiUrl = apiPort ? `http://127.0.0.1:${apiPort}` : undefined;
      return new E2E(server, bot, dataDir, spawnOptions, apiUrl);
    } catch (error) {
      await server.close();
      removeDir(dataDir);
      throw error;
    }
  }

  /** Stops the running bot with `signal` and starts a new process on the same DATA_DIR. */
  async restart(signal: NodeJS.Signals = "SIGTERM"): Promise<Exit> {
    const exit = await this.bot.stop(signal);
    await this.bot.kill();
    this.bot = await BotProcess.start({
      server: this.server,
      dataDir: this.dataDir,
      ...this.spawnOptions,
    });
    return exit;
  }

  /**
   * The first call of the bot matching `predicate` (see BotApiServer.waitFor), with the
   * bot's log tail added to a timeout's message.
   */
  async waitFor(
    predicate: (call: RecordedCall) => boolean,
    timeoutMs = JOB_TIMEOUT_MS,
  ): Promise<RecordedCall> {
    try {
      return await this.server.waitFor(predicate, { timeoutMs });
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${this.bot.output()}`, { cause: error });
    }
  }

  /**
   * The next text message the bot sent to `chatId` whose plain text satisfies `matches`;
   * progress messages ("⏳ ...") are skipped.
   */
  async message(
    chatId: number,
    matches: (text: string) => boolean = () => true,
    timeoutMs = JOB_TIMEOUT_MS,
  ): Promise<Message> {
    const call = await this.waitFor(
      (c) =>
        c.method === "sendMessage" &&
        c.chatId === chatId &&
        c.result !== undefined &&
        !isProgress(sentText(c)) &&
        matches(sentText(c)),
      timeoutMs,
    );
    return call.result as Message;
  }

  /** A new user (`fields` as in `users.create`) and their private chat with the bot. */
  privateChat(fields: Parameters<BotApiServer["users"]["create"]>[0] = {}) {
    const user = this.server.users.create(fields);
    return { user, chat: this.server.users.privateChat(user) };
  }

  /**
   * Presses the button under `result` whose data starts with `prefix`, as `user`, and returns
   * the bot's next `method` call in the chat (progress messages skipped), checked to be a
   * reply to the result.
   */
  async press(
    chat: Chat,
    user: User,
    result: Message,
    prefix: string,
    method: string,
  ): Promise<RecordedCall> {
    this.server.users.pressButton(chat, user, result, button(result, prefix));
    const call = await this.waitFor(
      (c) =>
        c.method === method &&
        c.chatId === chat.id &&
        c.result !== undefined &&
        !isProgress(sentText(c)),
    );
    const sent = call.result as Message;
    assert.equal(sent.reply_to_message?.message_id, result.message_id, "a reply to the result");
    return call;
  }

  /**
   * Stops everything, then fails if the bot's last-resort handler (src/app/last-resort.ts)
   * was ever reached: every error must have been handled where it happened.
   */
  async close(): Promise<void> {
    await this.bot.kill();
    await this.server.close();
    removeDir(this.dataDir);
    const escaped = this.bot.logs.find((line) => line.msg === LAST_RESORT_MESSAGE);
    if (escaped) throw new Error(`the last-resort handler was reached: ${JSON.stringify(escaped)}`);
  }
}

/** The callback data of the button under `message` whose data starts with `prefix`. */
export function button(message: Message, prefix: string): string {
  const buttons = (message.reply_markup?.inline_keyboard.flat() ?? []) as InlineKeyboardButton[];
  const found = buttons.find(
    (b): b is InlineKeyboardButton.CallbackButton =>
      "callback_data" in b && b.callback_data.startsWith(prefix),
  );
  assert.ok(found, `a ${prefix} button under ${JSON.stringify(message.reply_markup)}`);
  return found.callback_data;
}

/** The plain text (entities stripped) of a message the bot sent. */
export function sentText(call: RecordedCall): string {
  const result = call.result as Message | undefined;
  return result?.text ?? result?.caption ?? "";
}

/** Status messages shown while a job runs ("⏳ Working on it…", "🎧 Listening…"). */
export function isProgress(text: string): boolean {
  return /^(⏳|🎧|🔊 Recording|🔊 Записываю)/u.test(text);
}

/** Lower-cased, whitespace collapsed, ё folded: how OCR output is compared. */
export function normalizeText(text: string): string {
  return text.toLowerCase().replaceAll("ё", "е").replace(/\s+/g, " ").trim();
}

/** Levenshtein distance between two strings (short texts only). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current.push(
        Math.min(
          previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
          previous[j]! + 1,
          current[j - 1]! + 1,
        ),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}
