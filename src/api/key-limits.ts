/**
 * Each API key's rate limit and daily quotas, checked before any work starts. The rate is a
 * sliding minute (the last 60 s of admitted requests, kept in memory); the quotas are sums of
 * the usage log since midnight UTC (what the job layer recorded for the key's finished
 * requests), so they hold across restarts. A request already running when a quota fills
 * still finishes: the next one is refused.
 */
import type { MiddlewareHandler } from "hono";
import type { ApiLimits } from "../config/index.js";
import type { ApiKeyLimits, Store, UsageTotals } from "../memory/index.js";
import { systemClock, type Clock } from "../shared/clock.js";
import type { ApiCaller, ApiEnv } from "./env.js";
import { HttpError } from "./errors.js";

/** The amount a route's work consumes, i.e. which daily quota it is held to. */
export type MeteredWork = "audio" | "pages" | "tokens" | "none";

export interface ApiLimiterOptions {
  /** Milliseconds since the epoch: UTC days are cut from it. */
  clock: Pick<Clock, "now">;
  /** Limits of keys that set none of their own (the API_* settings). */
  defaults: ApiLimits;
  /** A key's own limits; undefined for the keyless local caller, who has none. */
  limitsOf: (name: string) => ApiKeyLimits | undefined;
  /** An owner's usage since a time (the usage log, by owner and time). */
  usedSince: (owner: string, since: number) => UsageTotals;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

export class ApiLimiter {
  /** Times of each key's admitted requests within the last minute, oldest first. */
  private readonly recent = new Map<string, number[]>();

  constructor(private readonly options: ApiLimiterOptions) {}

  /** Admits one request of `work` for `caller`, or throws a 429 saying which limit and when. */
  admit(caller: ApiCaller, work: MeteredWork): void {
    const own = this.options.limitsOf(caller.name);
    if (!own) return;
    const limits = this.effective(own);
    const now = this.options.clock.now();
    // Without a rate limit no times are kept: an unlimited key's minute could be long.
    const times =
      limits.ratePerMin > 0
        ? (this.recent.get(caller.name) ?? []).filter((at) => at > now - MINUTE_MS)
        : undefined;
    if (times && times.length >= limits.ratePerMin) {
      this.recent.set(caller.name, times);
      const retryAfterS = secondsUntil(times[0]! + MINUTE_MS, now);
      throw new HttpError(
        429,
        "rate.limited",
        `this key's rate limit is reached: ${limits.ratePerMin} requests per minute; try again in ${retryAfterS} s`,
        retryAfterS,
      );
    }
    this.checkQuota(caller, work, limits, now);
    if (times) this.recent.set(caller.name, [...times, now]);
    else this.recent.delete(caller.name);
  }

  /** {@link admit} as a route's middleware, for routes whose work is `work`. */
  middleware(work: MeteredWork): MiddlewareHandler<ApiEnv> {
    return async (c, next) => {
      this.admit(c.get("caller"), work);
      await next();
    };
  }

  private checkQuota(caller: ApiCaller, work: MeteredWork, limits: ApiLimits, now: number): void {
    if (work === "none") return;
    const quota = QUOTAS[work];
    const limit = limits[quota.setting];
    if (limit === 0) return;
    const dayStart = Math.floor(now / DAY_MS) * DAY_MS;
    const used = this.options.usedSince(caller.owner.id, dayStart)[quota.used];
    if (used < limit * quota.scale) return;
    const retryAfterS = secondsUntil(dayStart + DAY_MS, now);
    throw new HttpError(
      429,
      "quota.exceeded",
      `this key's daily quota is used up: ${limit} ${quota.unit} per day; it resets at midnight UTC, in ${retryAfterS} s`,
      retryAfterS,
    );
  }

  private effective(own: ApiKeyLimits): ApiLimits {
    const { defaults } = this.options;
    return {
      ratePerMin: own.ratePerMin ?? defaults.ratePerMin,
      dailyAudioMin: own.dailyAudioMin ?? defaults.dailyAudioMin,
      dailyPages: own.dailyPages ?? defaults.dailyPages,
      dailyTokens: own.dailyTokens ?? defaults.dailyTokens,
    };
  }
}

/** Each quota: its limit, the usage it counts (and the unit conversion), its name in messages. */
const QUOTAS: Record<
  Exclude<MeteredWork, "none">,
  { setting: keyof ApiLimits; used: keyof UsageTotals; scale: number; unit: string }
> = {
  audio: { setting: "dailyAudioMin", used: "audioS", scale: 60, unit: "minutes of audio" },
  pages: { setting: "dailyPages", used: "pages", scale: 1, unit: "pages" },
  tokens: { setting: "dailyTokens", used: "tokens", scale: 1, unit: "chat tokens" },
};

function secondsUntil(at: number, now: number): number {
  return Math.max(1, Math.ceil((at - now) / 1000));
}

/** The limiter over the store: each key's own limits and its usage in the usage log. */
export function storeApiLimiter(
  store: Pick<Store, "apiKeys" | "usage">,
  defaults: ApiLimits,
  clock: Pick<Clock, "now"> = systemClock,
): ApiLimiter {
  return new ApiLimiter({
    clock,
    defaults,
    limitsOf: (name) => store.apiKeys.get(name)?.limits,
    usedSince: (owner, since) => store.usage.totalsOf(owner, since),
  });
}
