/**
 * What /status and readiness checks report: the model manager's live state joined with
 * the usage log. Nothing here knows about Telegram; the bot renders the snapshot.
 */
import type { DatabaseSize, Store } from "../../memory/index.js";
import type { ManagerStats } from "../../models/index.js";
import type { UnloadOutcome } from "../../models/manager/index.js";
import type { LineSummary } from "../../models/scheduler/index.js";
import type { Clock } from "../../shared/clock.js";

/** A variant that can't serve now, and why. */
export interface UnavailableVariantSummary {
  variant: string;
  reason: string;
  retryInMs: number;
}

export interface ModelSummary {
  id: string;
  state: string;
  device: string;
  variant?: string;
  /** What the variant loaded (or loaded last) is, e.g. "onnx-community/whisper-large-v3-turbo fp16 cuda". */
  variantLabel?: string;
  /** Variants skipped after a failed load (the serving one is `variant`, or the model). */
  unavailable?: UnavailableVariantSummary[];
  footprintBytes: number;
  measured: boolean;
  idleMs?: number;
  queue: number;
  /** The waiting jobs per class and the owners with most waiting (hashed), where known. */
  line?: LineSummary;
  running: number;
  loads: number;
  jobsOk: number;
  jobsFailed: number;
  p50Ms?: number;
  p95Ms?: number;
}

/** A cluster's workers and queues (ROLE=bot), as the heartbeats in Redis tell them. */
export interface ClusterStatus {
  workers: {
    id: string;
    host: string;
    kinds: string[];
    loaded: string[];
    running: number;
    inUseBytes: number;
    budgetBytes: number;
    seenMsAgo: number;
  }[];
  /** `line`: the bot's fair line in front of the kind's queue. */
  queues: { kind: string; waiting: number; active: number; line?: LineSummary }[];
}

/** One API key's requests and what they consumed since midnight UTC. */
export interface ApiKeyUsageToday {
  name: string;
  requests: number;
  failures: number;
  audioS: number;
  pages: number;
  tokens: number;
}

export interface StatusSnapshot {
  uptimeMs: number;
  device: string;
  /** What the start-up CUDA probe found, when it ran. */
  cuda?: string;
  budgetBytes: number;
  inUseBytes: number;
  peakBytes: number;
  models: ModelSummary[];
  usage: { window: "hour" | "day"; task: string; ok: number; failed: number }[];
  /** The database file and the rows of the tables that grow (admins watch it against DATA_MAX_MB). */
  database?: DatabaseSize;
  /** The busiest API keys today (UTC), most requests first; empty or absent when none was used. */
  apiKeys?: ApiKeyUsageToday[];
  cluster?: ClusterStatus;
}

export interface StatusSources {
  stats: () => ManagerStats;
  store: Pick<Store, "usage" | "size">;
  clock: Clock;
  startedAt: number;
  /** How the process runs models, e.g. "cuda (profile gpu)". */
  device: string;
  /** The CUDA probe's verdict and reason, e.g. "unusable: a CUDA test session failed: ...". */
  cuda?: string;
  /** The cluster's workers and queues, when models run on workers. */
  cluster?: () => ClusterStatus;
  /** Unloads an idle model of this process; absent where the models run on workers. */
  unload?: (id: string) => Promise<UnloadOutcome>;
}

/** A reload asked of a process whose models run on workers (ROLE=bot): theirs to do. */
export type ReloadOutcome = UnloadOutcome | "remote";

const HOUR_MS = 3_600_000;
/** API keys listed in /status: the busiest few; `npm run keys -- usage` has them all. */
const TOP_API_KEYS = 5;

export class StatusService {
  constructor(private readonly sources: StatusSources) {}

  snapshot(): StatusSnapshot {
    const { stats, store, clock, startedAt, device, cuda, cluster } = this.sources;
    const current = stats();
    const usage = (["hour", "day"] as const).flatMap((window) =>
      store.usage
        .since(window === "hour" ? HOUR_MS : 24 * HOUR_MS)
        .map((row) => ({ window, task: row.task, ok: row.ok, failed: row.failed })),
    );
    return {
      uptimeMs: clock.now() - startedAt,
      device,
      ...(cuda === undefined ? {} : { cuda }),
      budgetBytes: current.budgetBytes,
      inUseBytes: current.inUseBytes,
      peakBytes: current.peakBytes,
      models: current.models.map((model) => ({
        id: model.id,
        state: model.state,
        // The load note says what really runs, e.g. which OCR engine and why.
        device:
          model.device === undefined
            ? "—"
            : [model.device, model.deviceNote].filter(Boolean).join(", "),
        variant: model.fallbackActive ? (model.variantLabel ?? model.variantId) : undefined,
        variantLabel: model.variantLabel ?? model.variantId,
        unavailable: model.unavailable.map((failed) => ({
          variant: failed.label ?? failed.variantId,
          reason: failed.reason,
          retryInMs: failed.retryInMs,
        })),
        footprintBytes: model.measuredBytes ?? model.estimatedBytes,
        measured: model.measuredBytes !== undefined,
        idleMs: model.idleMs,
        queue: model.queued,
        line: model.line,
        running: model.running,
        loads: model.loads,
        jobsOk: model.jobsOk,
        jobsFailed: model.jobsFailed,
        p50Ms: model.runP50Ms,
        p95Ms: model.runP95Ms,
      })),
      usage,
      database: store.size(),
      apiKeys: this.apiKeysToday(),
      ...(cluster ? { cluster: cluster() } : {}),
    };
  }

  private apiKeysToday(): ApiKeyUsageToday[] {
    const { store, clock } = this.sources;
    const midnight = Math.floor(clock.now() / (24 * HOUR_MS)) * (24 * HOUR_MS);
    return store.usage
      .byOwner("key:", midnight)
      .slice(0, TOP_API_KEYS)
      .map(({ owner, ...totals }) => ({ name: owner.slice("key:".length), ...totals }));
  }

  /**
   * Unloads an idle model so that its next job loads it afresh; a model at work is left
   * alone ("busy"), and a process without models of its own says so ("remote").
   */
  async unloadModel(id: string): Promise<ReloadOutcome> {
    return this.sources.unload ? this.sources.unload(id) : "remote";
  }
}
