/** Defaults of the model manager and the helpers the composition root uses to pick them. */
import type { ComputeDevice } from "../contract.js";

const GIB = 1024 ** 3;

/** The budget on a GPU: the 16 GB card the reference service was sized for. */
export const DEFAULT_GPU_BUDGET_BYTES = 16 * GIB;

/**
 * The share of system RAM the models may use on CPU. Half leaves room for Node itself,
 * the ONNX runtime's scratch buffers, decoded media and the rest of the machine.
 */
export const CPU_BUDGET_SHARE = 0.5;

/** MODEL_MEMORY_BUDGET when the environment sets none: 16 GiB on CUDA, half of RAM on CPU. */
export function defaultBudgetBytes(device: ComputeDevice, totalRamBytes: number): number {
  if (device === "cuda") return DEFAULT_GPU_BUDGET_BYTES;
  if (!Number.isFinite(totalRamBytes) || totalRamBytes <= 0) {
    throw new RangeError(`total RAM must be a positive number of bytes, got ${totalRamBytes}`);
  }
  return Math.floor(totalRamBytes * CPU_BUDGET_SHARE);
}

/**
 * The share of system RAM that jobs waiting in the models' queues may hold (each holds its
 * input: a rendered page, decoded audio, a prompt). Queue limits are sized from it.
 */
export const QUEUE_MEMORY_SHARE = 0.05;
export const MIN_QUEUE = 4;
export const MAX_QUEUE = 1000;

/**
 * How many jobs may wait for one model when the config sets no limit: as many inputs of
 * `jobBytes` as fit in {@link QUEUE_MEMORY_SHARE} of RAM, between {@link MIN_QUEUE} and
 * {@link MAX_QUEUE}. Beyond it users are told the bot is busy instead of waiting.
 */
export function defaultMaxQueue(jobBytes: number, totalRamBytes: number): number {
  if (!(jobBytes > 0)) throw new RangeError(`job size must be positive, got ${jobBytes}`);
  const fits = Math.floor((totalRamBytes * QUEUE_MEMORY_SHARE) / jobBytes);
  return Math.min(MAX_QUEUE, Math.max(MIN_QUEUE, fits));
}

/** Per-model defaults; see {@link RegisterOptions}. */
export const DEFAULT_CONCURRENCY = 1;
export const DEFAULT_MAX_QUEUE = 100;
export const DEFAULT_IDLE_UNLOAD_MS = 5 * 60_000;
/** Pieces one owner may have waiting per model: a backlog, not a flood that hides others'. */
export const DEFAULT_MAX_PER_OWNER = 20;
/** How long batch work waits behind interactive work before it takes turns with it. */
export const DEFAULT_BATCH_AGING_MS = 20_000;
/**
 * How long a variant that failed to load is skipped: requests meanwhile go to the next
 * variant or, when none is left, get a refusal at once instead of another doomed load.
 */
export const DEFAULT_RETRY_FAILED_AFTER_MS = 10 * 60_000;

const OUT_OF_MEMORY = /out of memory|OOM|bad_alloc|CUDA_ERROR_OUT_OF_MEMORY|Failed to allocate/i;

/** Whether a load error means "not enough memory", so a smaller fallback is worth trying. */
export function isOutOfMemoryError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return OUT_OF_MEMORY.test(message);
}
