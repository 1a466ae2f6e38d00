/**
 * The bot's Prometheus metrics, on a registry of their own (never prom-client's global
 * one, so tests and several instances don't collide). The app records through the small
 * methods of {@link BotMetrics}; adapters in this folder feed it from the model manager
 * and the Telegram API client.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** How a job ended. "rejected": refused before it ran (queue full, shutting down). */
export type JobOutcome = "ok" | "error" | "cancelled" | "rejected";

/** Per-model figures sampled at scrape time. */
export interface ModelGaugeSample {
  model: string;
  queued: number;
  running: number;
  loaded: boolean;
  chargedBytes: number;
  /** Where the model was last loaded: its memory is VRAM on "cuda", RAM otherwise. */
  device?: string;
  /** Jobs waiting per class ("interactive", "batch"), where the model's line is known. */
  waitingByClass?: Record<string, number>;
  /** The few owners with the most jobs waiting, ids already hashed. */
  topOwners?: { owner: string; waiting: number }[];
}

/** What the memory and queue gauges read at each scrape. */
export interface GaugeSample {
  budgetBytes: number;
  inUseBytes: number;
  peakBytes: number;
  models: ModelGaugeSample[];
}

/** Every name this module registers, for dashboards and tests. */
export const METRIC_NAMES = {
  updates: "bot_updates_total",
  jobs: "bot_jobs_total",
  jobDuration: "bot_job_duration_seconds",
  jobWait: "bot_job_wait_seconds",
  modelLoads: "bot_model_loads_total",
  modelLoadDuration: "bot_model_load_duration_seconds",
  modelUnloads: "bot_model_unloads_total",
  memoryBudget: "bot_model_memory_budget_bytes",
  memoryInUse: "bot_model_memory_in_use_bytes",
  memoryPeak: "bot_model_memory_peak_bytes",
  modelMemory: "bot_model_memory_bytes",
  queueLength: "bot_model_queue_length",
  waitingJobs: "bot_model_waiting_jobs",
  ownerWaitingJobs: "bot_model_owner_waiting_jobs",
  runningJobs: "bot_model_running_jobs",
  modelLoaded: "bot_model_loaded",
  telegramApiErrors: "bot_telegram_api_errors_total",
  telegramReachable: "bot_telegram_reachable",
} as const;

/** From a quick OCR line or TTS phrase (50 ms) to a long transcription or answer (2 min). */
const JOB_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120];
/** Model loads: a small model from page cache to a large one from a cold disk onto a GPU. */
const LOAD_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];

export interface BotMetrics {
  readonly registry: Registry;
  /** Counts one incoming update by its type ("message", "callback_query", ...). */
  observeUpdate(type: string): void;
  /** Records one finished (or refused) job and how long it ran. */
  observeJob(task: string, model: string, outcome: JobOutcome, seconds: number): void;
  /** Records how long a job of a class ("interactive", "batch") waited before it ran. */
  observeJobWait(task: string, model: string, workClass: string, seconds: number): void;
  /** Records one load attempt; `seconds` goes to the histogram only for successful loads. */
  observeModelLoad(
    model: string,
    variant: string,
    outcome: "ok" | "failed" | "out_of_memory",
    seconds: number,
  ): void;
  observeModelUnload(model: string, reason: string): void;
  /** Counts a Bot API call that failed; `errorCode` is Telegram's code or "network". */
  observeTelegramApiError(method: string, errorCode: number | "network"): void;
  /**
   * Sets where the memory and queue gauges read their figures at scrape time; returns a
   * function that detaches the source again (the gauges then report nothing).
   */
  setGaugeSource(source: () => GaugeSample): () => void;
  /**
   * Sets what the Telegram gauge reads at scrape time: whether the last Bot API call got an
   * answer (0 too while start-up still waits for Telegram).
   */
  setTelegramSource(isReachable: () => boolean): void;
}

export interface BotMetricsOptions {
  /** Adds Node's process metrics (CPU, memory, event loop lag, GC); default true. */
  defaultMetrics?: boolean;
}

export function createBotMetrics(options: BotMetricsOptions = {}): BotMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  let source: (() => GaugeSample) | undefined;
  let telegramReachable: (() => boolean) | undefined;
  const sample = (): GaugeSample | undefined => source?.();

  const updates = new Counter({
    name: METRIC_NAMES.updates,
    help: "Telegram updates received, by update type.",
    labelNames: ["type"] as const,
    registers,
  });
  const jobs = new Counter({
    name: METRIC_NAMES.jobs,
    help: "Model jobs finished or refused, by task, model and outcome.",
    labelNames: ["task", "model", "outcome"] as const,
    registers,
  });
  const jobDuration = new Histogram({
    name: METRIC_NAMES.jobDuration,
    help: "Time a model job ran, in seconds (queue wait excluded).",
    labelNames: ["task", "model", "outcome"] as const,
    buckets: JOB_BUCKETS,
    registers,
  });
  const jobWait = new Histogram({
    name: METRIC_NAMES.jobWait,
    help: "Time a model job waited in its model's line (and for the load), in seconds, by class.",
    labelNames: ["task", "model", "class"] as const,
    buckets: JOB_BUCKETS,
    registers,
  });
  const loads = new Counter({
    name: METRIC_NAMES.modelLoads,
    help: "Model load attempts, by model, variant and outcome.",
    labelNames: ["model", "variant", "outcome"] as const,
    registers,
  });
  const loadDuration = new Histogram({
    name: METRIC_NAMES.modelLoadDuration,
    help: "Time a successful model load took, in seconds.",
    labelNames: ["model", "variant"] as const,
    buckets: LOAD_BUCKETS,
    registers,
  });
  const unloads = new Counter({
    name: METRIC_NAMES.modelUnloads,
    help: "Model unloads, by model and reason (idle, evicted, shutdown).",
    labelNames: ["model", "reason"] as const,
    registers,
  });
  const apiErrors = new Counter({
    name: METRIC_NAMES.telegramApiErrors,
    help: 'Failed Telegram Bot API calls, by method and error code ("network" when no answer came).',
    labelNames: ["method", "error_code"] as const,
    registers,
  });

  new Gauge({
    name: METRIC_NAMES.telegramReachable,
    help: "1 while the last Telegram Bot API call got an answer, 0 while Telegram can't be reached (at start too).",
    registers,
    collect() {
      if (telegramReachable) this.set(telegramReachable() ? 1 : 0);
      else this.reset();
    },
  });

  const totalGauge = (name: string, help: string, read: (s: GaugeSample) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const current = sample();
        if (current) this.set(read(current));
        else this.reset();
      },
    });
  totalGauge(
    METRIC_NAMES.memoryBudget,
    "Memory all loaded models may share, in bytes.",
    (s) => s.budgetBytes,
  );
  totalGauge(
    METRIC_NAMES.memoryInUse,
    "Memory charged to loaded models and loads in flight, in bytes.",
    (s) => s.inUseBytes,
  );
  totalGauge(
    METRIC_NAMES.memoryPeak,
    "Highest memory ever charged at once since start, in bytes.",
    (s) => s.peakBytes,
  );

  /**
   * A gauge with the samples each model gives, e.g. one per class. Reset at every scrape,
   * so a model, class or owner that left the sample doesn't linger with its last value.
   */
  const perModelGauge = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    samples: (m: ModelGaugeSample) => [labels: Record<L, string>, value: number][],
  ) =>
    new Gauge<L | "model">({
      name,
      help,
      labelNames: ["model", ...labelNames],
      registers,
      collect() {
        this.reset();
        for (const model of sample()?.models ?? []) {
          for (const [labels, value] of samples(model)) {
            this.set({ model: model.model, ...labels }, value);
          }
        }
      },
    });
  const modelGauge = (name: string, help: string, read: (m: ModelGaugeSample) => number) =>
    perModelGauge(name, help, [], (m) => [[{}, read(m)]]);
  perModelGauge(
    METRIC_NAMES.modelMemory,
    'Memory charged to each model, in bytes: the measured footprint once loaded (memory="vram": ' +
      'this process\'s GPU memory growth from nvidia-smi; "ram": resident memory growth).',
    ["memory"],
    (m) => [[{ memory: m.device === "cuda" ? "vram" : "ram" }, m.chargedBytes]],
  );
  modelGauge(METRIC_NAMES.queueLength, "Jobs waiting for each model.", (m) => m.queued);
  perModelGauge(
    METRIC_NAMES.waitingJobs,
    "Jobs waiting for each model, by class (interactive, batch).",
    ["class"],
    (m) =>
      Object.entries(m.waitingByClass ?? {}).map(([workClass, n]) => [{ class: workClass }, n]),
  );
  perModelGauge(
    METRIC_NAMES.ownerWaitingJobs,
    "Jobs waiting for each model from its few busiest owners (owner = a short sha256 " +
      "prefix of the id); only the current top owners have a value.",
    ["owner"],
    (m) => (m.topOwners ?? []).map(({ owner, waiting }) => [{ owner }, waiting]),
  );
  modelGauge(METRIC_NAMES.runningJobs, "Jobs running on each model.", (m) => m.running);
  modelGauge(METRIC_NAMES.modelLoaded, "1 while the model is loaded, else 0.", (m) =>
    m.loaded ? 1 : 0,
  );

  return {
    registry,
    observeUpdate: (type) => updates.inc({ type }),
    observeJob(task, model, outcome, seconds) {
      jobs.inc({ task, model, outcome });
      if (outcome !== "rejected") jobDuration.observe({ task, model, outcome }, seconds);
    },
    observeJobWait: (task, model, workClass, seconds) =>
      jobWait.observe({ task, model, class: workClass }, seconds),
    observeModelLoad(model, variant, outcome, seconds) {
      loads.inc({ model, variant, outcome });
      if (outcome === "ok") loadDuration.observe({ model, variant }, seconds);
    },
    observeModelUnload: (model, reason) => unloads.inc({ model, reason }),
    observeTelegramApiError: (method, errorCode) =>
      apiErrors.inc({ method, error_code: String(errorCode) }),
    setTelegramSource(isReachable) {
      telegramReachable = isReachable;
    },
    setGaugeSource(next) {
      source = next;
      return () => {
        if (source === next) source = undefined;
      };
    },
  };
}
