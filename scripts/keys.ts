/**
 * API keys from the command line, on the bot's own database (DATA_DIR from the environment
 * or `.env`, read by the same config loader as the bot). Safe while the bot runs: SQLite in
 * WAL mode with a busy timeout, and the server reads keys per request, so an added or
 * revoked key counts at once.
 *
 *   npm run keys -- add NAME [--admin] [--rpm N] [--daily-audio-min N] [--daily-pages N] [--daily-tokens N]
 *   npm run keys -- list
 *   npm run keys -- revoke NAME
 *   npm run keys -- usage [NAME] [--days N]
 */
import { parseArgs } from "node:util";
import { ConfigError, loadConfig, loadDotEnv } from "../src/config/index.js";
import { ApiKeyError, Store, type ApiKeyLimits } from "../src/memory/index.js";

const USAGE = `Usage: npm run keys -- <command>
  add NAME [--admin] [--rpm N] [--daily-audio-min N] [--daily-pages N] [--daily-tokens N]
      creates a key and prints its secret once (limits: 0 = unlimited; unset = the API_* defaults)
  list                      every key, its flags and limits (never a secret)
  revoke NAME               refuses the key from now on
  usage [NAME] [--days N]   JSON: per key and UTC day, requests, failures, audio seconds, pages, tokens (default 7 days)`;

/** A mistake in how the command was called: the usage text follows the message. */
class UsageError extends Error {}

const LIMIT_OPTIONS = {
  rpm: "ratePerMin",
  "daily-audio-min": "dailyAudioMin",
  "daily-pages": "dailyPages",
  "daily-tokens": "dailyTokens",
} as const satisfies Record<string, keyof ApiKeyLimits>;

function main(argv: string[]): void {
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || command === "--help") {
    console.log(USAGE);
    return;
  }
  const commands: Record<string, (args: string[], store: Store) => void> = {
    add,
    list,
    revoke,
    usage,
  };
  const run = commands[command];
  if (!run) throw new UsageError(`unknown command "${command}"`);
  loadDotEnv();
  const config = loadConfig(process.env, { needsToken: false });
  const store = Store.open(config.databasePath);
  try {
    run(rest, store);
  } finally {
    store.close();
  }
}

function add(args: string[], store: Store): void {
  const { values, positionals } = parse(args, {
    admin: { type: "boolean" },
    ...Object.fromEntries(Object.keys(LIMIT_OPTIONS).map((name) => [name, { type: "string" }])),
  });
  const name = onlyName(positionals, "add");
  const limits: Partial<ApiKeyLimits> = {};
  for (const [option, limit] of Object.entries(LIMIT_OPTIONS)) {
    const text = values[option];
    if (typeof text === "string") limits[limit] = wholeNumber(`--${option}`, text);
  }
  const { secret, key } = store.apiKeys.create({ name, admin: values.admin === true, limits });
  console.log(`Created API key "${key.name}"${key.admin ? " (admin)" : ""}.`);
  console.log("Its secret, shown only this once (it won't be shown again; only a hash is kept):");
  console.log(secret);
  console.log("Send it as 'Authorization: Bearer <secret>' or 'X-Api-Key: <secret>'.");
}

function list(args: string[], store: Store): void {
  parse(args, {});
  const keys = store.apiKeys.list();
  if (keys.length === 0) {
    console.log("No API keys yet: create one with npm run keys -- add NAME");
    return;
  }
  const rows = keys.map((key) => [
    key.name,
    key.admin ? "admin" : "",
    key.revokedAt === null ? "active" : `revoked ${isoTime(key.revokedAt)}`,
    isoTime(key.createdAt),
    describeLimits(key.limits),
  ]);
  printTable(["NAME", "ADMIN", "STATUS", "CREATED", "LIMITS"], rows);
}

function revoke(args: string[], store: Store): void {
  const name = onlyName(parse(args, {}).positionals, "revoke");
  const key = store.apiKeys.revoke(name);
  console.log(
    `Revoked API key "${key.name}" (${isoTime(key.revokedAt!)}): requests with it are refused.`,
  );
}

function usage(args: string[], store: Store): void {
  const { values, positionals } = parse(args, { days: { type: "string" } });
  if (positionals.length > 1) throw new UsageError("usage takes at most one key name");
  const days = typeof values.days === "string" ? wholeNumber("--days", values.days, 1, 366) : 7;
  const name = positionals[0];
  const report = store.apiKeys.usageReport({ days, ...(name === undefined ? {} : { name }) });
  console.log(JSON.stringify(report, null, 2));
}

type OptionSpec = Record<string, { type: "string" | "boolean" }>;

function parse(args: string[], options: OptionSpec) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function onlyName(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new UsageError(`${command} takes one key name`);
  return positionals[0]!;
}

function wholeNumber(option: string, text: string, min = 0, max = Number.MAX_SAFE_INTEGER) {
  const value = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw new UsageError(
      `${option} must be a whole number ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`}${min === 0 ? " (0: unlimited)" : ""}, not "${text}"`,
    );
  return value;
}

function describeLimits(limits: ApiKeyLimits): string {
  const show = (value: number | null, unit: string) =>
    `${value === null ? "default" : value === 0 ? "unlimited" : value} ${unit}`;
  return [
    show(limits.ratePerMin, "req/min"),
    show(limits.dailyAudioMin, "audio min/day"),
    show(limits.dailyPages, "pages/day"),
    show(limits.dailyTokens, "tokens/day"),
  ].join(", ");
}

function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => row[i]!.length)),
  );
  for (const row of [header, ...rows])
    console.log(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    );
}

/** What a person sees: the mistake and the way out, no stack trace. */
function explain(error: unknown): { message: string; code: number } {
  if (error instanceof UsageError) return { message: `${error.message}\n\n${USAGE}`, code: 2 };
  if (error instanceof ApiKeyError || error instanceof ConfigError)
    return { message: error.message, code: 1 };
  return {
    message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    code: 1,
  };
}

try {
  main(process.argv.slice(2));
} catch (error) {
  const { message, code } = explain(error);
  console.error(`keys: ${message}`);
  process.exitCode = code;
}
