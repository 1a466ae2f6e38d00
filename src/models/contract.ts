/**
 * The contract between the model manager and the adapters that wrap real models.
 * The manager knows models only through this file: it never imports an ML library.
 */

import type { KindTask } from "./kinds/table.js";

/** What a model does: the tasks of the model-kind table (kinds/table.ts). */
export type ModelTask = KindTask;

/** Where a model's weights live while it is loaded. */
export type ComputeDevice = "cpu" | "cuda";

/** What `load()` reports once a model is resident. */
export interface LoadReport {
  /** The device the model actually ended up on (a CUDA failure falls back to CPU). */
  device: ComputeDevice;
  /** The precision it really runs in, when the adapter has one (a CPU retry may change it). */
  dtype?: string;
  /** Bytes measured after the load, when the adapter can measure them. */
  measuredBytes?: number;
  /** A short human-readable note, e.g. "cuda provider missing, fell back to cpu". */
  note?: string;
}

/**
 * A model the manager can load, run and unload. Adapters implement it; the manager
 * decides when each method is called and guarantees:
 * - `load()` is never called twice concurrently and never while loaded;
 * - `run()` is only called between a successful `load()` and `unload()`;
 * - `unload()` is never called while a `run()` is in flight.
 */
export interface ManagedModel<In = unknown, Out = unknown> {
  /** Unique key, e.g. "asr" or "chat". */
  readonly id: string;
  readonly task: ModelTask;
  /** Device the model asks for; the load report says where it really went. */
  readonly device: ComputeDevice;
  /** Resident bytes expected once loaded, before any measurement. */
  readonly estimatedBytes: number;
  /** What this variant is, for /status, e.g. "org/model q8 cpu". */
  readonly label?: string;
  /** The variant tried when this one can't fit the budget or fails to load for any reason. */
  readonly fallback?: ManagedModel<In, Out>;
  load(signal?: AbortSignal): Promise<LoadReport>;
  unload(): Promise<void>;
  run(input: In, signal: AbortSignal): Promise<Out>;
}

/** What happens to a job on its way to a model, for progress messages ("2nd in line"). */
export type JobEvent =
  | { type: "queued"; position: number }
  | { type: "loading"; modelId: string; fallback: boolean }
  | { type: "running"; modelId: string };

/** Interactive work goes ahead of batch work on the same model (see models/scheduler). */
export type WorkClass = "interactive" | "batch";

export interface RunOptions {
  signal?: AbortSignal;
  onEvent?: (event: JobEvent) => void;
  /**
   * Who the job is done for ("tg:42", "key:scripts"): a model's line takes turns between
   * owners. Jobs without one share the owner {@link ANONYMOUS_OWNER}.
   */
  owner?: string;
  /** Default "interactive". A piece of a job cut into several is "batch" (see {@link pieceClass}). */
  workClass?: WorkClass;
}

/** Whose work a job is and its class: what services pass on to every model job of a request. */
export type Scheduling = Pick<RunOptions, "owner" | "workClass">;

/** The owner of jobs submitted without one (start-up checks, tests). */
export const ANONYMOUS_OWNER = "anonymous";

/**
 * The class of each piece of a job cut into `pieces`: a job of one piece keeps the class it
 * was asked with; the pieces of a longer one (pages, speech windows, chunks) are batch work,
 * so that a short question waits for at most one of them.
 */
export function pieceClass(pieces: number, asked: WorkClass = "interactive"): WorkClass {
  return pieces > 1 ? "batch" : asked;
}

/**
 * A typed way to submit jobs to one managed model. Services hold handles, not models:
 * every call goes through the manager's queue and budget.
 */
export interface ModelHandle<In, Out> {
  readonly id: string;
  run(input: In, options?: RunOptions): Promise<Out>;
}
