/**
 * Turns the config into running models: resolves the profile, points transformers.js at
 * MODELS_DIR, sizes the memory budget and registers every adapter with the manager.
 */
import os from "node:os";
import type { Logger } from "pino";
import type { Config, ModelOverride } from "../config/index.js";
import type { Store } from "../memory/index.js";
import { createWhisperAsr, type AsrInput, type AsrResult } from "../models/adapters/asr-whisper.js";
import {
  createChatModel,
  type ChatRequest,
  type ChatResult,
} from "../models/adapters/chat-qwen.js";
import { TesseractOcr, type OcrInput, type OcrResult } from "../models/adapters/ocr/index.js";
import { createVitsTts } from "../models/adapters/tts-vits.js";
import {
  resolveProfile,
  type ModelOverrides,
  type ResolvedProfile,
} from "../models/catalogue/index.js";
import type { ModelHandle } from "../models/contract.js";
import { defaultBudgetBytes, ModelManager } from "../models/manager/index.js";
import { configureRuntime, detectCuda } from "../models/runtime/index.js";
import type { Pcm } from "../media/audio-pcm.js";
import type { Clock } from "../shared/clock.js";

export interface ModelSet {
  manager: ModelManager;
  profile: ResolvedProfile;
  /** For /status: "cuda (profile gpu)". */
  device: string;
  asr: ModelHandle<AsrInput, AsrResult>;
  chat: ModelHandle<ChatRequest, ChatResult>;
  voices: { ru: ModelHandle<string, Pcm>; en: ModelHandle<string, Pcm> };
  ocr: ModelHandle<OcrInput, OcrResult>;
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
  deps: { store?: Store; logger: Logger; clock: Clock },
): ModelSet {
  const logger = deps.logger.child({ module: "models" });
  const cuda = detectCuda();
  const { overrides } = config.models;
  const profile = resolveProfile(
    config.models.profile,
    {
      asr: override(overrides.asr),
      chat: override(overrides.chat),
      "tts-ru": override(overrides.ttsRu),
      "tts-en": override(overrides.ttsEn),
    },
    { cudaAvailable: cuda.available },
  );
  const runtime = configureRuntime({
    modelsDir: profile.modelsDir ?? config.models.dir,
    allowRemoteModels: profile.allowRemoteModels && config.models.allowRemote,
    logger,
  });
  const usesGpu = Object.values(profile.models).some((entry) => entry.device === "cuda");
  const budgetBytes =
    config.models.budgetBytes ?? defaultBudgetBytes(usesGpu ? "cuda" : "cpu", os.totalmem());
  logger.info(
    {
      profile: profile.name,
      requested: profile.requested,
      cuda: cuda.available,
      cudaReason: cuda.reason,
      budgetBytes,
      modelsDir: runtime.modelsDir,
    },
    "models configured",
  );

  const manager = new ModelManager({
    budgetBytes,
    clock: deps.clock,
    logger,
    footprints: deps.store?.footprints,
  });
  const pinned = new Set(config.models.preload);
  const options = (id: string, concurrency = 1) => ({
    concurrency,
    maxQueue: config.models.maxQueue,
    idleUnloadMs: config.models.idleUnloadMs,
    pinned: pinned.has(id),
  });
  const transformers = { runtime, logger };
  const ocrWorkers = config.ocr.workers ?? Math.max(1, Math.min(2, os.availableParallelism()));

  return {
    manager,
    profile,
    device: `${usesGpu ? "cuda" : "cpu"} (profile ${profile.name})`,
    asr: manager.register(
      createWhisperAsr({ spec: profile.models.asr, ...transformers, clock: deps.clock }),
      options("asr"),
    ),
    chat: manager.register(
      createChatModel({ spec: profile.models.chat, ...transformers }),
      options("chat"),
    ),
    voices: {
      ru: manager.register(
        createVitsTts({ id: "tts-ru", spec: profile.models["tts-ru"], ...transformers }),
        options("tts-ru"),
      ),
      en: manager.register(
        createVitsTts({ id: "tts-en", spec: profile.models["tts-en"], ...transformers }),
        options("tts-en"),
      ),
    },
    ocr: manager.register(
      new TesseractOcr({
        dataDir: config.dataDir,
        langs: config.ocr.langs,
        workers: ocrWorkers,
        logger,
      }),
      options("ocr", ocrWorkers),
    ),
  };
}
