/**
 * Turns the config into running models: resolves the profile, points transformers.js at
 * MODELS_DIR, sizes the memory budget and registers every adapter with the manager.
 */
import os from "node:os";
import type { Logger } from "pino";
import type { Config, ModelId, ModelOverride } from "../config/index.js";
import type { Store } from "../memory/index.js";
import type { ToolRunner } from "../media/audio-process.js";
import {
  resolveProfile,
  type ModelOverrides,
  type ResolvedProfile,
  type TaskOverride,
} from "../models/catalogue/index.js";
import type { ManagedModel } from "../models/contract.js";
import { createKindModels } from "../models/kinds/adapters.js";
import {
  CATALOGUE_KINDS,
  KIND_TABLE,
  kindHandles,
  kindRow,
  voicesOf,
  type Kind,
  type KindHandles,
  type ProfileKind,
  type ThreadPriority,
  type Voices,
} from "../models/kinds/index.js";
import {
  defaultBudgetBytes,
  defaultMaxQueue,
  MAX_QUEUE,
  ModelManager,
  QUEUE_MEMORY_SHARE,
  routeBatchPieces,
  type RegisterOptions,
} from "../models/manager/index.js";
import type { LineSize } from "../models/scheduler/index.js";
import {
  configureRuntime,
  detectCuda,
  sessionThreads,
  type SessionThreads,
} from "../models/runtime/index.js";
import { THREAD_BYTES, ThreadedModel } from "../models/threaded/index.js";
import type { Clock } from "../shared/clock.js";

/** What the services need of the models, in either role: a handle per kind, and the voices. */
export type ServiceHandles = KindHandles & { voices: Voices };

export interface ModelSet extends ServiceHandles {
  manager: ModelManager;
  profile: ResolvedProfile;
  /** For /status: "cuda (profile gpu)". */
  device: string;
  /** For /status: what the CUDA probe found, when the profile asked for one. */
  cudaReason?: string;
}

/** MODEL_MAX_QUEUE's count for a model, where it sets one. */
function setQueueLimit(config: Config, id: ModelId): number | undefined {
  return config.models.maxQueue.perModel[id] ?? config.models.maxQueue.all;
}

/** MODEL_MAX_QUEUE for a model: the setting, or sized from memory ("auto"). */
function queueLimit(config: Config, id: ModelId): number {
  return (
    setQueueLimit(config, id) ??
    defaultMaxQueue(
      kindRow(id)!.waitingBytes({ asrMaxSeconds: config.speech.asrMaxSeconds }),
      os.totalmem(),
    )
  );
}

/** How much may wait for a model, in the manager's line or (ROLE=bot) the cluster's. */
export type ModelLineSize = LineSize & Pick<RegisterOptions, "inputBytes">;

/**
 * How much may wait for a model: MODEL_MAX_QUEUE's count when it sets one; else, for kinds
 * whose inputs vary a thousandfold (audio), inputs worth 5% of RAM by their real size, up to
 * the largest count; else the count sized from memory for the kind's largest input.
 */
export function lineSize(config: Config, id: ModelId): ModelLineSize {
  const { inputBytes } = kindRow(id)!;
  if (!inputBytes || setQueueLimit(config, id) !== undefined) {
    return { maxQueue: queueLimit(config, id) };
  }
  return {
    maxQueue: MAX_QUEUE,
    maxQueueBytes: Math.floor(os.totalmem() * QUEUE_MEMORY_SHARE),
    inputBytes,
  };
}

/** The profile the settings choose (MODEL_PROFILE and the per-kind overrides). */
export function configuredProfile(config: Config, cudaAvailable: boolean): ResolvedProfile {
  const { overrides } = config.models;
  return resolveProfile(
    config.models.profile,
    Object.fromEntries(
      CATALOGUE_KINDS.map((kind) => [kind, override(overrides[kind])]),
    ) as ModelOverrides,
    { cudaAvailable },
  );
}

/** "auto" in an override means "what the profile says". */
function override(entry: ModelOverride): TaskOverride {
  return {
    ...(entry.model ? { model: entry.model } : {}),
    ...(entry.dtype && entry.dtype !== "auto" ? { dtype: entry.dtype as never } : {}),
    ...(entry.device && entry.device !== "auto" ? { device: entry.device } : {}),
  };
}

export function buildModels(
  config: Config,
  deps: { store?: Store; logger: Logger; clock: Clock; runner?: ToolRunner },
): ModelSet {
  const logger = deps.logger.child({ module: "models" });
  // The probe starts a CUDA session, so only profiles that may use CUDA pay for it.
  const probesCuda = config.models.profile === "auto" || config.models.profile === "gpu";
  const cuda = probesCuda ? detectCuda() : undefined;
  const profile = configuredProfile(config, cuda?.available ?? false);
  const usesGpu = anyModelOnGpu(profile);
  const budgetBytes =
    config.models.budgetBytes ?? defaultBudgetBytes(usesGpu ? "cuda" : "cpu", os.totalmem());
  const workerThreads = usesWorkerThreads(profile, config.models.workerThreads, budgetBytes);
  const threads = profileThreads(profile, {
    workerThreads,
    ...(config.models.threads === undefined ? {} : { override: config.models.threads }),
  });
  const runtime = configureRuntime({
    modelsDir: profile.modelsDir ?? config.models.dir,
    allowRemoteModels: profile.allowRemoteModels && config.models.allowRemote,
    threads,
    logger,
  });
  logger.info(
    {
      profile: profile.name,
      requested: profile.requested,
      cuda: cuda?.available,
      cudaReason: cuda?.reason,
      budgetBytes,
      modelsDir: runtime.modelsDir,
      workerThreads,
      threads,
    },
    "models configured",
  );

  const manager = new ModelManager({
    budgetBytes,
    clock: deps.clock,
    logger,
    footprints: deps.store?.footprints,
    batchAgingMs: config.models.batchAgingMs,
  });
  const pinned = new Set(config.models.preload);
  const options = (id: ModelId, concurrency = 1) => ({
    concurrency,
    ...lineSize(config, id),
    maxPerOwner: config.models.ownerMaxWaiting,
    idleUnloadMs: config.models.idleUnloadMs,
    pinned: pinned.has(id),
  });
  const ocrWorkers = config.ocr.workers ?? Math.max(1, Math.min(2, os.availableParallelism()));
  const adapters = createKindModels(profile, {
    runtime,
    logger,
    clock: deps.clock,
    ocr: {
      dataDir: config.dataDir,
      langs: config.ocr.langs,
      workers: ocrWorkers,
      engine: config.ocr.engine,
      ...(deps.runner ? { native: { runner: deps.runner } } : {}),
    },
  });
  const recipe = (row: Kind, priority: ThreadPriority) => ({
    kind: row.id as ProfileKind,
    depth: 0,
    profile,
    runtime,
    priority,
    log: config.log,
  });
  const threaded = (row: Kind, where: Placement, model: ManagedModel): ManagedModel =>
    inThreadOfItsOwn(where) ? new ThreadedModel(model, recipe(row, where), logger) : model;
  const copies = batchCopyKinds(
    adapters,
    { batchThreads: config.models.batchThreads, workerThreads },
    budgetBytes,
  );
  logger.info(
    { kinds: [...copies], setting: config.models.batchThreads },
    copies.size > 0 ? "batch pieces run on copies in threads" : "no copies for batch pieces",
  );
  const handles = kindHandles((row) => {
    const where = placement(row, workerThreads);
    const model = adapters[row.id] as ManagedModel;
    const line = {
      ...options(row.id, row.concurrency === "ocr-workers" ? ocrWorkers : 1),
      ...(row.pinned ? { pinned: true } : {}),
    };
    const handle = manager.register(threaded(row, where, model), {
      ...line,
      sharesThread: where === "main",
    });
    if (!copies.has(row.id)) return handle;
    const copy = new ThreadedModel(model, recipe(row, "background"), logger, batchCopyId(row.id));
    return routeBatchPieces(
      handle,
      manager.register(copy, { ...line, pinned: false, sharesThread: false }),
    );
  });

  return {
    manager,
    profile,
    device: `${usesGpu ? "cuda" : "cpu"} (profile ${profile.name})`,
    ...(cuda ? { cudaReason: `${cuda.available ? "usable" : "unusable"}: ${cuda.reason}` } : {}),
    ...handles,
    voices: voicesOf(handles),
  };
}

/** The manager's key for the copy of a kind's model that runs its batch pieces. */
export function batchCopyId(kind: string): string {
  return `${kind}-batch`;
}

/**
 * Whether a kind's model may run its batch pieces on a copy in a thread at nice 10 (the
 * table's `batchCopy`): only a model that computes on the CPU at the main thread's priority,
 * on the main thread or in a thread of its own (chat with MODEL_WORKER_THREADS). A model in
 * a thread at nice 10 already leaves the cores to the others, and on a GPU the CPU's
 * priorities don't order the work while a second copy would take as much of the GPU's memory
 * again.
 */
export function hasBatchCopy(
  row: Pick<Kind, "thread" | "batchCopy">,
  model: Pick<ManagedModel, "device">,
  workerThreads: boolean,
): boolean {
  const where = placement(row, workerThreads);
  return row.batchCopy && model.device === "cpu" && (where === "main" || where === "foreground");
}

/**
 * The kinds whose batch pieces run on a copy (MODEL_BATCH_THREADS). "auto": only when the
 * budget holds every model and every copy at once, by their estimates: a copy's load that
 * had to wait for memory would hold up every load behind it (loads are admitted in order),
 * and one that pushed out an idle model would make its next user wait for a load, for the
 * sake of batch work.
 */
export function batchCopyKinds(
  models: Readonly<Record<string, Pick<ManagedModel, "device" | "estimatedBytes">>>,
  settings: { batchThreads: "auto" | boolean; workerThreads: boolean },
  budgetBytes: number,
): ReadonlySet<string> {
  if (settings.batchThreads === false) return new Set();
  const copied = KIND_TABLE.filter((row) =>
    hasBatchCopy(row, models[row.id]!, settings.workerThreads),
  );
  const threadBytes = (where: Placement) => (inThreadOfItsOwn(where) ? THREAD_BYTES : 0);
  const everything =
    KIND_TABLE.reduce(
      (sum, row) =>
        sum + models[row.id]!.estimatedBytes + threadBytes(placement(row, settings.workerThreads)),
      0,
    ) + copied.reduce((sum, row) => sum + models[row.id]!.estimatedBytes + THREAD_BYTES, 0);
  if (settings.batchThreads === "auto" && everything > budgetBytes) return new Set();
  return new Set(copied.map((row) => row.id));
}

/**
 * Whether the in-process models run each in a worker thread of their own
 * (MODEL_WORKER_THREADS), leaving the main thread to Telegram and HTTP. "auto": when there is
 * more than one core, every model is on the CPU (CUDA sessions in worker threads are
 * unverified, and on a GPU the models don't compete for the cores), and the budget holds
 * every model and its thread at once, by the catalogue's figures (the models' own estimates
 * need the runtime, whose thread plan depends on this answer).
 */
export function usesWorkerThreads(
  profile: ResolvedProfile,
  setting: "auto" | boolean,
  budgetBytes: number,
  cores = os.availableParallelism(),
): boolean {
  if (setting !== "auto") return setting;
  if (cores < 2 || anyModelOnGpu(profile)) return false;
  const threads = KIND_TABLE.filter((row) => inThreadOfItsOwn(placement(row, true))).length;
  const models = CATALOGUE_KINDS.reduce(
    (sum, kind) => sum + profile.models[kind].memoryBytes,
    profile.vad.memoryBytes,
  );
  return models + threads * THREAD_BYTES <= budgetBytes;
}

function anyModelOnGpu(profile: ResolvedProfile): boolean {
  return Object.values(profile.models).some((entry) => entry.device === "cuda");
}

/**
 * Where a kind's model computes: "main" (the main thread, which the in-process models share
 * and take turns on), a worker thread of its own at the CPU priority the kind table says
 * (only with MODEL_WORKER_THREADS), or "own" processes (tesseract).
 */
export type Placement = Kind["thread"] | "main";

export function placement(row: Pick<Kind, "thread">, workerThreads: boolean): Placement {
  return workerThreads || row.thread === "own" ? row.thread : "main";
}

function inThreadOfItsOwn(where: Placement): where is ThreadPriority {
  return where === "foreground" || where === "background";
}

export interface ThreadPlanOptions {
  /** MODEL_WORKER_THREADS: models in worker threads of their own compute beside the main thread. */
  workerThreads?: boolean;
  /** MODEL_THREADS. */
  override?: number;
  /** Cores the process may use; `os.availableParallelism()` unless a test says. */
  cores?: number;
}

/**
 * ONNX Runtime threads per session: the cores shared among the places where the profile's CPU
 * models compute at once. onnxruntime-node runs an inference on the thread that asks for it,
 * so the models on the main thread never compute at once and count as one: by default each
 * gets every core while it runs. A model in a worker thread of its own counts on its own. The
 * batch copies' threads don't count: at nice 10 they compute on what the others leave.
 */
export function profileThreads(
  profile: ResolvedProfile,
  { workerThreads = false, override, cores = os.availableParallelism() }: ThreadPlanOptions = {},
): SessionThreads {
  const places = new Set(
    CATALOGUE_KINDS.filter((kind) => profile.models[kind].device === "cpu").map((kind) => {
      const where = placement(kindRow(kind)!, workerThreads);
      return where === "main" ? where : kind;
    }),
  );
  return sessionThreads({
    cores,
    modelsAtOnce: places.size,
    ...(override === undefined ? {} : { override }),
  });
}
