/**
 * What every front-end of one process shares: the store, the models (in this process, or on
 * workers through Redis for ROLE=bot), the services over them, the job layer and the status
 * service. The bot and the HTTP API are both built on one core, so they share one memory
 * budget and one set of fair lines.
 */
import type { Logger } from "pino";
import type { Config } from "../config/index.js";
import { JobLayer } from "../jobs/index.js";
import { ToolSpawner } from "../media/tool-spawner.js";
import { Store } from "../memory/index.js";
import { ChatNormalizer, ChatService, TextTasks } from "../services/chat/index.js";
import { DocumentService } from "../services/documents/index.js";
import { DEFAULT_GUARD_SETTINGS, SpeechService } from "../services/speech/index.js";
import { StatusService } from "../services/status/index.js";
import { VisionService } from "../services/vision/index.js";
import type { Clock } from "../shared/clock.js";
import { clusterStats, clusterStatus, connectRemoteModels, type ModelHandles } from "./cluster.js";
import { buildModels, type ModelSet } from "./models.js";

export interface Core {
  store: Store;
  /** ffmpeg, espeak-ng and tesseract start from this helper process. */
  tools: ToolSpawner;
  /** ROLE=bot: the workers' models, reached through Redis. */
  cluster?: ReturnType<typeof connectRemoteModels>;
  /** Otherwise: the models of this process, under its manager. */
  local?: ModelSet;
  models: ModelHandles;
  speech: SpeechService;
  jobs: JobLayer;
  status: StatusService;
}

/**
 * Largest image or PDF the services read: the bot's file limit, or the API's upload limit
 * when the API is on and allows more (the bot checks its own limit before downloading).
 */
export function documentMaxBytes(config: Config): number {
  const api = config.api.port > 0 ? config.api.maxDocumentBytes : 0;
  return Math.max(config.limits.maxFileBytes, api);
}

export function createCore(
  config: Config,
  deps: { logger: Logger; clock: Clock; startedAt: number },
): Core {
  const { logger, clock } = deps;
  const store = Store.open(config.databasePath);
  // ROLE=bot: models run on workers, reached through Redis; otherwise in this process.
  const cluster =
    config.cluster.role === "bot" ? connectRemoteModels(config, { logger, clock }) : undefined;
  // ffmpeg, espeak-ng and tesseract start from a small helper process: a fork of the bot stalls it.
  const tools = new ToolSpawner();
  const local = cluster
    ? undefined
    : buildModels(config, { store, logger, clock, runner: tools.run });
  const models: ModelHandles = cluster?.handles ?? local!;
  const normalizer = new ChatNormalizer({ model: models.chat, logger });
  const chat = new ChatService({
    model: models.chat,
    history: store.history,
    settings: config.chat,
    logger,
    clock,
  });
  const speech = new SpeechService({
    runner: tools.run,
    asr: models.asr,
    vad: models.vad,
    vadSettings: config.speech.vad,
    guardSettings: {
      ...DEFAULT_GUARD_SETTINGS,
      noSpeechThreshold: config.speech.noSpeechThreshold,
    },
    voices: models.voices,
    normalizer,
    logger,
    clock,
    ffmpegPath: config.speech.ffmpegPath,
    espeakPath: config.speech.espeakPath,
    asrLanguage: config.speech.asrLanguage,
    asrLanguages: ["ru", "en"],
    asrMaxSeconds: config.speech.asrMaxSeconds,
    ttsMaxChars: config.speech.ttsMaxChars,
  });
  const maxBytes = documentMaxBytes(config);
  const vision = new VisionService({
    model: models.vision,
    history: store.history,
    limits: config.vision,
    logger,
    clock,
    image: { maxBytes },
  });
  const documents = new DocumentService({
    ocr: models.ocr,
    vision,
    logger,
    normalizer,
    clock,
    image: { maxBytes },
    pdf: { maxPages: config.ocr.pdfMaxPages, maxBytes },
  });
  const jobs = new JobLayer({
    services: {
      chat,
      tasks: new TextTasks({ model: models.chat }),
      speech,
      documents,
      vision,
    },
    stores: store,
    clock,
    logger,
  });
  const status = new StatusService({
    stats: () => (cluster ? clusterStats(cluster.remote) : local!.manager.stats()),
    store,
    clock,
    startedAt: deps.startedAt,
    device: models.device,
    ...(local?.cudaReason ? { cuda: local.cudaReason } : {}),
    ...(cluster ? { cluster: () => clusterStatus(cluster.remote, Date.now()) } : {}),
    ...(local ? { unload: (id: string) => local.manager.unload(id) } : {}),
  });
  return {
    store,
    tools,
    ...(cluster ? { cluster } : {}),
    ...(local ? { local } : {}),
    models,
    speech,
    jobs,
    status,
  };
}
