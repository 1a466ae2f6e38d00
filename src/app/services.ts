/**
 * The services over the models and the job layer over them: what every front-end (the bot,
 * the HTTP API) calls. One wiring, used by the app and by tests that run the real services
 * over the fixture models.
 */
import type { Logger } from "pino";
import type { Config } from "../config/index.js";
import { JobLayer } from "../jobs/index.js";
import type { ToolRunner } from "../media/audio-process.js";
import type { Store } from "../memory/index.js";
import { ChatNormalizer, ChatService, TextTasks } from "../services/chat/index.js";
import { DocumentService } from "../services/documents/index.js";
import { ModelEmbedder, PassageIndex } from "../services/qa/index.js";
import { DEFAULT_GUARD_SETTINGS, SpeechService } from "../services/speech/index.js";
import { VisionService } from "../services/vision/index.js";
import type { Clock } from "../shared/clock.js";
import { isCancellation } from "../shared/errors.js";
import type { ModelHandles } from "./cluster.js";
import { configuredProfile } from "./models.js";

export interface JobLayerDeps {
  models: ModelHandles;
  store: Store;
  logger: Logger;
  clock: Clock;
  /** How ffmpeg and espeak-ng start (the app's helper process; default: spawned here). */
  runner?: ToolRunner;
}

/**
 * Largest image or PDF the services read: the bot's file limit, or the API's upload limit
 * when the API is on and allows more (the bot checks its own limit before downloading).
 */
export function documentMaxBytes(config: Config): number {
  const api = config.api.port > 0 ? config.api.maxDocumentBytes : 0;
  return Math.max(config.limits.maxFileBytes, api);
}

export function buildJobLayer(
  config: Config,
  deps: JobLayerDeps,
): { jobs: JobLayer; speech: SpeechService } {
  const { models, store, logger, clock } = deps;
  const maxBytes = documentMaxBytes(config);
  const normalizer = new ChatNormalizer({ model: models.chat, logger });
  const chat = new ChatService({
    model: models.chat,
    history: store.history,
    settings: config.chat,
    logger,
    clock,
  });
  const speech = new SpeechService({
    runner: deps.runner,
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
  // The vectors are stored under the model's id: the gpu and cpu profiles name the same
  // embedding model, so the bot of a cluster (which probes no GPU) knows it too.
  const embedModel = configuredProfile(config, false).models.embed.modelId;
  const index = new PassageIndex(store.passages, {
    embedder: new ModelEmbedder(models.embed, embedModel, clock),
    onEmbedError: (error) =>
      isCancellation(error)
        ? logger.info("embedding stopped (cancelled or shutting down)")
        : logger.warn(
            { err: error },
            "embedding failed; questions are searched by full text alone",
          ),
  });
  const jobs = new JobLayer({
    services: {
      chat,
      tasks: new TextTasks({ model: models.chat }),
      speech,
      documents,
      vision,
      index,
    },
    stores: store,
    clock,
    logger,
    contextTokens: config.chat.historyTokens,
  });
  return { jobs, speech };
}
