/**
 * API keys, as the HTTP API's callers present them. Only a SHA-256 hash of each secret is
 * stored. No slow password hash (bcrypt, scrypt, argon2) is needed: those stretch secrets a
 * person chose, which are guessable; ours are 256 random bits, so a stolen hash can't be
 * reversed by guessing at any speed, and a fast hash keeps each request's check in
 * microseconds. A secret is shown once, when the key is created, and never again.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Database } from "better-sqlite3";
import type { UsageLog, UsageTotals } from "./usage.js";

/** Every secret starts with this, so one is recognised in a leaked file or a log line. */
export const API_KEY_PREFIX = "ltb_";
const SECRET_BYTES = 32;

/** A key's own limits; null follows the configured default (`API_*`), 0 means unlimited. */
export interface ApiKeyLimits {
  ratePerMin: number | null;
  dailyAudioMin: number | null;
  dailyPages: number | null;
  dailyTokens: number | null;
}

export interface ApiKeyRecord {
  name: string;
  admin: boolean;
  createdAt: number;
  revokedAt: number | null;
  limits: ApiKeyLimits;
}

export interface NewApiKey {
  name: string;
  admin?: boolean;
  limits?: Partial<ApiKeyLimits>;
}

/** Why a key could not be created or found; `code` is stable, the message says what to do. */
export class ApiKeyError extends Error {
  override readonly name = "ApiKeyError";
  constructor(
    readonly code: "key.exists" | "key.unknown" | "key.bad_name" | "key.bad_limit",
    message: string,
  ) {
    super(message);
  }
}

/** One key's usage on one UTC day, as `npm run keys -- usage` and `GET /admin/usage` give it. */
export interface KeyUsageDay {
  day: string;
  requests: number;
  failures: number;
  audioSeconds: number;
  pages: number;
  tokens: number;
}

export interface KeyUsageReport {
  /** First and last UTC day covered ("2025-01-31"). */
  from: string;
  to: string;
  keys: { name: string; total: Omit<KeyUsageDay, "day">; days: KeyUsageDay[] }[];
}

/** Names: what `key:<name>` owners, logs and /status show; "anonymous" is the keyless caller. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const RESERVED_NAMES = new Set(["anonymous"]);
const DAY_MS = 86_400_000;

interface KeyRow {
  name: string;
  secret_hash: Buffer;
  admin: number;
  rate_per_min: number | null;
  daily_audio_min: number | null;
  daily_pages: number | null;
  daily_tokens: number | null;
  created_at: number;
  revoked_at: number | null;
}

export class ApiKeyStore {
  private readonly insert;
  private readonly selectAll;
  private readonly selectOne;
  private readonly markRevoked;
  private readonly selectAny;

  constructor(
    db: Database,
    private readonly now: () => number,
    private readonly usage: Pick<UsageLog, "byOwnerAndDay">,
  ) {
    this.insert = db.prepare(`
      INSERT INTO api_keys (name, secret_hash, admin, rate_per_min, daily_audio_min,
        daily_pages, daily_tokens, created_at)
      VALUES (@name, @hash, @admin, @ratePerMin, @dailyAudioMin, @dailyPages, @dailyTokens, @at)`);
    this.selectAll = db.prepare<[], KeyRow>("SELECT * FROM api_keys ORDER BY name");
    this.selectOne = db.prepare<[string], KeyRow>("SELECT * FROM api_keys WHERE name = ?");
    this.markRevoked = db.prepare(
      "UPDATE api_keys SET revoked_at = @at WHERE name = @name AND revoked_at IS NULL",
    );
    this.selectAny = db.prepare("SELECT 1 FROM api_keys LIMIT 1").pluck();
  }

  /** Creates a key; its secret is in the answer and nowhere else, ever. */
  create(input: NewApiKey): { secret: string; key: ApiKeyRecord } {
    if (!NAME.test(input.name) || RESERVED_NAMES.has(input.name))
      throw new ApiKeyError(
        "key.bad_name",
        `"${input.name}" can't name a key: use 1-64 letters, digits, '.', '_' or '-' (not "anonymous")`,
      );
    const limits: ApiKeyLimits = {
      ratePerMin: null,
      dailyAudioMin: null,
      dailyPages: null,
      dailyTokens: null,
      ...input.limits,
    };
    for (const [limit, value] of Object.entries(limits))
      if (value !== null && !(Number.isSafeInteger(value) && value >= 0))
        throw new ApiKeyError(
          "key.bad_limit",
          `${limit} must be a whole number >= 0 (0: unlimited)`,
        );
    if (this.selectOne.get(input.name))
      throw new ApiKeyError("key.exists", `a key named "${input.name}" already exists`);
    const secret = API_KEY_PREFIX + randomBytes(SECRET_BYTES).toString("base64url");
    this.insert.run({
      name: input.name,
      hash: hashSecret(secret),
      admin: input.admin ? 1 : 0,
      ...limits,
      at: this.now(),
    });
    return { secret, key: this.get(input.name)! };
  }

  /** Every key, revoked ones included, by name; no secrets (none are stored). */
  list(): ApiKeyRecord[] {
    return this.selectAll.all().map(toRecord);
  }

  get(name: string): ApiKeyRecord | undefined {
    const row = this.selectOne.get(name);
    return row && toRecord(row);
  }

  /** Revokes a key for good; revoking it again keeps the first time. */
  revoke(name: string): ApiKeyRecord {
    this.markRevoked.run({ name, at: this.now() });
    const key = this.get(name);
    if (!key) throw new ApiKeyError("key.unknown", `no key is named "${name}"`);
    return key;
  }

  /**
   * The key a secret belongs to. Every stored hash is compared, each in constant time, with
   * no early exit: how long this takes says nothing about which hash (or how much of one)
   * matched. Few keys exist, so reading them all per request costs microseconds, and a key
   * added or revoked by the CLI (another process) counts at once.
   */
  find(secret: string): ApiKeyRecord | undefined {
    const hash = hashSecret(secret);
    let found: KeyRow | undefined;
    for (const row of this.selectAll.all()) if (timingSafeEqual(row.secret_hash, hash)) found = row;
    return found && toRecord(found);
  }

  /** Whether any key exists, revoked ones included. */
  hasAny(): boolean {
    return this.selectAny.get() !== undefined;
  }

  /**
   * Per key and UTC day over the last `days` days (today included): requests, failures and
   * what they consumed. Every key is listed, and any other `key:` owner that used the API
   * (the keyless local caller, "anonymous"). `name` narrows it to one key.
   */
  usageReport(options: { days: number; name?: string }): KeyUsageReport {
    const { days, name } = options;
    if (name !== undefined && !this.get(name))
      throw new ApiKeyError("key.unknown", `no key is named "${name}"`);
    const today = Math.floor(this.now() / DAY_MS) * DAY_MS;
    const since = today - (days - 1) * DAY_MS;
    const rows = this.usage.byOwnerAndDay("key:", since);
    const names = new Set(name === undefined ? this.list().map((key) => key.name) : [name]);
    if (name === undefined) for (const row of rows) names.add(row.owner.slice("key:".length));
    const keys = [...names].sort().map((keyName) => {
      const owned = rows.filter((row) => row.owner === `key:${keyName}`);
      const dayRows = owned.map((row) => ({ day: row.day, ...amounts(row) }));
      return { name: keyName, total: sumDays(dayRows), days: dayRows };
    });
    return { from: isoDay(since), to: isoDay(today), keys };
  }
}

export function hashSecret(secret: string): Buffer {
  return createHash("sha256").update(secret, "utf8").digest();
}

function toRecord(row: KeyRow): ApiKeyRecord {
  return {
    name: row.name,
    admin: row.admin === 1,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    limits: {
      ratePerMin: row.rate_per_min,
      dailyAudioMin: row.daily_audio_min,
      dailyPages: row.daily_pages,
      dailyTokens: row.daily_tokens,
    },
  };
}

function amounts(totals: UsageTotals): Omit<KeyUsageDay, "day"> {
  return {
    requests: totals.requests,
    failures: totals.failures,
    audioSeconds: Math.round(totals.audioS * 10) / 10,
    pages: totals.pages,
    tokens: totals.tokens,
  };
}

function sumDays(days: Omit<KeyUsageDay, "day">[]): Omit<KeyUsageDay, "day"> {
  const total = { requests: 0, failures: 0, audioS: 0, pages: 0, tokens: 0 };
  for (const day of days) {
    total.requests += day.requests;
    total.failures += day.failures;
    total.audioS += day.audioSeconds;
    total.pages += day.pages;
    total.tokens += day.tokens;
  }
  return amounts(total);
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
