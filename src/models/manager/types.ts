/** The manager's public types: options, lifecycle events and stats. */
import type { Logger } from "pino";
import type { Clock } from "../../shared/clock.js";
import type { ComputeDevice, ModelTask, WorkClass } from "../contract.js";
import type { LineSummary } from "../scheduler/index.js";
import type { FootprintStore } from "./footprints.js";

export interface ModelManagerOptions {
  /** Bytes all resident models plus reservations of loads in flight may never exceed. */
  budgetBytes: number;
  clock: Clock;
  logger?: Logger;
  /** Remembers measured footprints; defaults to an in-memory store. */
  footprints?: FootprintStore;
  /** Classifies a load error as out-of-memory (reported in events and metrics). */
  isOutOfMemory?: (error: unknown) => boolean;
  /** How long a variant that failed to load is skipped before it is tried again (default 10 min). */
  retryFailedAfterMs?: number;
  /** How fast an idle model loses its claim to stay loaded; see eviction.ts. */
  reuseHorizonMs?: number;
  /**
   * How long a batch piece waits behind interactive work on its model before the two take
   * turns (default 20 s); see models/scheduler.
   */
  batchAgingMs?: number;
}

export interface RegisterOptions {
  /** Jobs run at once on this model (default 1: one inference at a time). */
  concurrency?: number;
  /** Jobs allowed to wait; one more is refused with CapacityError "model.busy" (default 100). */
  maxQueue?: number;
  /**
   * With `inputBytes`: bytes of input the waiting jobs may hold together; a job that would
   * pass it is refused with "model.busy" (an empty line always takes one). For inputs whose
   * size varies a thousandfold, where a `maxQueue` sized for the largest would turn away
   * small ones. `maxQueue` still applies.
   */
  maxQueueBytes?: number;
  /** The bytes a job's input holds while it waits, counted against `maxQueueBytes`. */
  inputBytes?: (input: unknown) => number;
  /**
   * Jobs one owner may have waiting on this model; one more is refused with CapacityError
   * "owner.busy" (default 20). Jobs without an owner are bounded by `maxQueue` only.
   */
  maxPerOwner?: number;
  /** Unload after this long without a job, counted from the last job's end; 0 keeps it (default 5 min). */
  idleUnloadMs?: number;
  /** Never idle-unloaded; evicted only when unpinned idle models can't free enough. */
  pinned?: boolean;
  /**
   * Its inferences run on the thread that calls it, which every such model shares: the
   * manager runs one piece of theirs at a time, interactive work first (see thread-turns.ts).
   * False for a model that computes elsewhere (a worker thread, tesseract's processes, a
   * remote worker). Default false.
   */
  sharesThread?: boolean;
}

/** What a model is doing. "running" is "ready" with at least one job in flight. */
export type ModelState = "unloaded" | "loading" | "ready" | "running" | "unloading";

/** "requested": an operator asked for it (the HTTP API's reload-model). */
export type UnloadReason = "idle" | "evicted" | "shutdown" | "requested";

/** What {@link ModelManager.unload} did: a working or changing model is never touched. */
export type UnloadOutcome = "unloaded" | "not_loaded" | "busy";

/** Lifecycle events for metrics and usage logs; the manager knows none of their consumers. */
export type ModelEvent =
  | {
      type: "loading";
      modelId: string;
      variantId: string;
      fallback: boolean;
      reservedBytes: number;
    }
  | {
      type: "loaded";
      modelId: string;
      variantId: string;
      fallback: boolean;
      device: ComputeDevice;
      note?: string;
      durationMs: number;
      estimatedBytes: number;
      measuredBytes?: number;
    }
  | {
      type: "load_failed";
      modelId: string;
      variantId: string;
      durationMs: number;
      outOfMemory: boolean;
      error: unknown;
    }
  /** `forModelId`: the load it makes room for; absent when recovering from an overshoot. */
  | { type: "evicted"; modelId: string; variantId: string; forModelId?: string; bytes: number }
  | {
      type: "unloaded";
      modelId: string;
      variantId: string;
      reason: UnloadReason;
      durationMs: number;
      residentMs: number;
    }
  | {
      type: "job_done";
      modelId: string;
      variantId: string;
      ok: boolean;
      workClass: WorkClass;
      waitMs: number;
      runMs: number;
      error?: unknown;
    };

export type ModelEventListener = (event: ModelEvent) => void;

export interface UnavailableVariant {
  variantId: string;
  label?: string;
  /** The load error's first line. */
  reason: string;
  retryInMs: number;
}

export interface ModelStats {
  id: string;
  task: ModelTask;
  state: ModelState;
  pinned: boolean;
  /** Jobs are waiting and the load waits for memory to free. */
  waitingForMemory: boolean;
  /** The variant loaded (or loading), else the one loaded last. */
  variantId?: string;
  /** What that variant is, e.g. "onnx-community/whisper-large-v3-turbo fp16 cuda". */
  variantLabel?: string;
  fallbackActive: boolean;
  /** Variants skipped because their last load failed, and when they will be tried again. */
  unavailable: UnavailableVariant[];
  /** Where the last load really put the model, and why if it's not where it asked. */
  device?: ComputeDevice;
  deviceNote?: string;
  /** The adapter's estimate for that variant, and the measurement remembered for it. */
  estimatedBytes: number;
  measuredBytes?: number;
  /** Bytes charged to the budget right now (reservation while loading). */
  chargedBytes: number;
  loads: number;
  lastLoadMs?: number;
  avgLoadMs?: number;
  jobsOk: number;
  jobsFailed: number;
  running: number;
  /** Jobs it may run at once (its register option). */
  concurrency: number;
  queued: number;
  /**
   * The waiting jobs per class and the owners with the most waiting (hashed); absent where
   * only counts are known (a cluster's remote models).
   */
  line?: LineSummary;
  runP50Ms?: number;
  runP95Ms?: number;
  /** Time since the last job ended (or the load finished) while loaded and idle. */
  idleMs?: number;
}

export interface ManagerStats {
  budgetBytes: number;
  /** Resident plus reserved. */
  inUseBytes: number;
  reservedBytes: number;
  peakBytes: number;
  /** Models waiting for memory, in admission order. */
  pendingLoads: string[];
  models: ModelStats[];
}
