/**
 * The contract between the model manager and the adapters that wrap real models.
 * The manager knows models only through this file: it never imports an ML library.
 */

/** What a model does. One adapter kind per task. */
export type ModelTask = "ocr" | "asr" | "chat" | "tts" | "vad" | "vision";

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

export interface RunOptions {
  signal?: AbortSignal;
  onEvent?: (event: JobEvent) => void;
}

/**
 * A typed way to submit jobs to one managed model. Services hold handles, not models:
 * every call goes through the manager's queue and budget.
 */
export interface ModelHandle<In, Out> {
  readonly id: string;
  run(input: In, options?: RunOptions): Promise<Out>;
}
