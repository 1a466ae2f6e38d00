/**
 * Turns the config into running models: resolves the profile, points transformers.js at
 * MODELS_DIR, sizes the memory budget and registers every adapter with the manager.
 */
import os from "node:os";
import type { Logger } from "pino";
import type { Config, ModelId, ModelOverride } from "../config/index.js";
import type { Store } from "../memory/index.js";
import { createWhisperAsr, type AsrInput, type AsrResult } from "../models/adapters/asr-whisper.js";
import {
  createChatModel,
  type ChatRequest,
  type ChatResult,
} from "../models/adapters/chat-qwen.js";
import { TesseractOcr, type OcrInput, type OcrResult } from "../models/adapters/ocr/index.js";
import type { ToolRunner } from "../media/audio-process.js";
import { createVitsTts } from "../models/adapters/tts-vits.js";
import { SileroVad, type VadInput, type VadResult } from "../models/adapters/vad-silero.js";
import {
  createVisionModel,
  type VisionRequest,
  type VisionResult,
} from "../models/adapters/vision/index.js";
import {
  CATALOGUE_TASKS,
  resolveProfile,
  type ModelOverrides,
  type ResolvedProfile,
} from "../models/catalogue/index.js";
import type { ModelHandle } from "../models/contract.js";
import { defaultBudgetBytes, defaultMaxQueue, ModelManager } from "../models/manager/index.js";
import {
  configureRuntime,
  detectCuda,
  sessionThreads,
  type RuntimeSettings,
  type SessionThreads,
} from "../models/runtime/index.js";
import type { Pcm } from "../media/audio-pcm.js";
import type { Clock } from "../shared/clock.js";

export interface ModelSet {
  manager: ModelManager;
  profile: ResolvedProfile;
  /** For /status: "cuda (profile gpu)". */
  device: string;
  /** For /status: what the CUDA probe found, when the profile asked for one. */
  cudaReason?: string;
  asr: ModelHandle<AsrInput, AsrResult>;
  chat: ModelHandle<ChatRequest, ChatResult>;
  voices: { ru: ModelHandle<string, Pcm>; en: ModelHandle<string, Pcm> };
  ocr: ModelHandle<OcrInput, OcrResult>;
  vad: ModelHandle<VadInput, VadResult>;
  vision: ModelHandle<VisionRequest, VisionResult>;
}

/**
 * What one waiting job of a model holds in memory at most, for sizing its queue: decoded
 * 16 kHz float audio of the longest recording accepted (Whisper and the VAD), one rendered page as PNG, a
 * prompt with its history, or an image within the vision pixel budget (encoded, a few MB).
 */
function queuedJobBytes(id: ModelId, config: Config): number {
  switch (id) {
    case "asr":
    case "vad":
      return 16_000 * 4 * config.speech.asrMaxSeconds;
    case "ocr":
    case "vision":
      return 8 * 2 ** 20;
    case "chat":
      return 64 * 2 ** 10;
    case "tts-ru":
    case "tts-en":
      return 16 * 2 ** 10;
  }
}

/** MODEL_MAX_QUEUE per model: the setting, or sized from memory ("auto"). */
export function queueLimits(config: Config): (id: ModelId) => number {
  return (id) =>
    config.models.maxQueue.perModel[id] ??
    config.models.maxQueue.all ??
    defaultMaxQueue(queuedJobBytes(id, config), os.totalmem());
}

/** "auto" in an override means "what the profile says". */
function override(entry: ModelOverride): NonNullable<ModelOverrides["asr"]> {
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
  const { overrides } = config.models;
  const profile = resolveProfile(
    config.models.profile,
    {
      asr: override(overrides.asr),
      chat: override(overrides.chat),
      "tts-ru": override(overrides.ttsRu),
      "tts-en": override(overrides.ttsEn),
      vision: override(overrides.vision),
    },
    { cudaAvailable: cuda?.available ?? false },
  );
  const threads = profileThreads(profile, config.models.threads);
  const runtime = configureRuntime({
    modelsDir: profile.modelsDir ?? config.models.dir,
    allowRemoteModels: profile.allowRemoteModels && config.models.allowRemote,
    threads,
    logger,
  });
  const usesGpu = Object.values(profile.models).some((entry) => entry.device === "cuda");
  const budgetBytes =
    config.models.budgetBytes ?? defaultBudgetBytes(usesGpu ? "cuda" : "cpu", os.totalmem());
  logger.info(
    {
      profile: profile.name,
      requested: profile.requested,
      cuda: cuda?.available,
      cudaReason: cuda?.reason,
      budgetBytes,
      modelsDir: runtime.modelsDir,
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
  const queueLimit = queueLimits(config);
  const options = (id: ModelId, concurrency = 1) => ({
    concurrency,
    maxQueue: queueLimit(id),
    maxPerOwner: config.models.ownerMaxWaiting,
    idleUnloadMs: config.models.idleUnloadMs,
    pinned: pinned.has(id),
  });
  const catalogue = createCatalogueModels(profile, { runtime, logger, clock: deps.clock });
  const ocrWorkers = config.ocr.workers ?? Math.max(1, Math.min(2, os.availableParallelism()));

  return {
    manager,
    profile,
    device: `${usesGpu ? "cuda" : "cpu"} (profile ${profile.name})`,
    ...(cuda ? { cudaReason: `${cuda.available ? "usable" : "unusable"}: ${cuda.reason}` } : {}),
    asr: manager.register(catalogue.asr, options("asr")),
    chat: manager.register(catalogue.chat, options("chat")),
    voices: {
      ru: manager.register(catalogue["tts-ru"], options("tts-ru")),
      en: manager.register(catalogue["tts-en"], options("tts-en")),
    },
    ocr: manager.register(
      new TesseractOcr({
        dataDir: config.dataDir,
        langs: config.ocr.langs,
        workers: ocrWorkers,
        engine: config.ocr.engine,
        ...(deps.runner ? { native: { runner: deps.runner } } : {}),
        logger,
      }),
      options("ocr", ocrWorkers),
    ),
    vision: manager.register(catalogue.vision, options("vision")),
    // A few MB and needed before every transcription: it stays loaded once loaded.
    vad: manager.register(catalogue.vad, {
      ...options("vad"),
      pinned: true,
    }),
  };
}

/** ONNX Runtime threads per session: the cores shared among the profile's CPU models. */
export function profileThreads(profile: ResolvedProfile, override?: number): SessionThreads {
  return sessionThreads({
    cores: os.availableParallelism(),
    modelsAtOnce: CATALOGUE_TASKS.filter((task) => profile.models[task].device === "cpu").length,
    ...(override === undefined ? {} : { override }),
  });
}

/** The profile's transformers.js models (each with its fallback chain) and VAD, not yet managed. */
export interface CatalogueModels {
  asr: ReturnType<typeof createWhisperAsr>;
  chat: ReturnType<typeof createChatModel>;
  "tts-ru": ReturnType<typeof createVitsTts>;
  "tts-en": ReturnType<typeof createVitsTts>;
  vision: ReturnType<typeof createVisionModel>;
  vad: SileroVad;
}

/** Builds the adapters of every catalogue task: the app registers them, models:check loads them. */
export function createCatalogueModels(
  profile: ResolvedProfile,
  deps: { runtime: RuntimeSettings; logger: Logger; clock: Clock },
): CatalogueModels {
  const { runtime, logger, clock } = deps;
  return {
    asr: createWhisperAsr({ spec: profile.models.asr, runtime, logger, clock }),
    chat: createChatModel({ spec: profile.models.chat, runtime, logger }),
    "tts-ru": createVitsTts({ id: "tts-ru", spec: profile.models["tts-ru"], runtime, logger }),
    "tts-en": createVitsTts({ id: "tts-en", spec: profile.models["tts-en"], runtime, logger }),
    vision: createVisionModel({ spec: profile.models.vision, runtime, logger }),
    vad: new SileroVad({ spec: profile.vad, logger }),
  };
}
