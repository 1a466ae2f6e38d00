/**
 * Each kind's adapter factory: how the model a profile names for the kind becomes a model
 * the manager can run. Keyed by kind, so a row without a factory does not compile. Kept
 * apart from the table because it loads the ML libraries; the config and cluster modules
 * read the table only.
 */
import type { Logger } from "pino";
import { createWhisperAsr } from "../adapters/asr-whisper.js";
import { createChatModel } from "../adapters/chat-qwen.js";
import { createE5Embedder } from "../adapters/embed-e5.js";
import { TesseractOcr, type TesseractOcrOptions } from "../adapters/ocr/index.js";
import { createVitsTts } from "../adapters/tts-vits.js";
import { SileroVad } from "../adapters/vad-silero.js";
import { createVisionModel } from "../adapters/vision/index.js";
import type { ResolvedProfile } from "../catalogue/index.js";
import type { ManagedModel } from "../contract.js";
import type { RuntimeSettings } from "../runtime/index.js";
import type { Clock } from "../../shared/clock.js";
import type { KindId, KindInput, KindOutput, ProfileKind } from "./table.js";

export interface AdapterDeps {
  profile: ResolvedProfile;
  runtime: RuntimeSettings;
  logger: Logger;
  clock: Clock;
}

/** The OCR engine's settings (OCR_LANGS, OCR_WORKERS, OCR_ENGINE, DATA_DIR): the app's, not a profile's. */
export type OcrSettings = Omit<TesseractOcrOptions, "id" | "logger">;

type KindModel<K extends KindId> = ManagedModel<KindInput<K>, KindOutput<K>>;

const voice =
  (id: "tts-ru" | "tts-en") =>
  ({ profile, runtime, logger }: AdapterDeps) =>
    createVitsTts({ id, spec: profile.models[id], runtime, logger });

/** The factories of the kinds whose model the profile names. */
const PROFILE_ADAPTERS = {
  asr: ({ profile, runtime, logger, clock }: AdapterDeps) =>
    createWhisperAsr({ spec: profile.models.asr, runtime, logger, clock }),
  vad: ({ profile, logger }: AdapterDeps) => new SileroVad({ spec: profile.vad, logger }),
  chat: ({ profile, runtime, logger }: AdapterDeps) =>
    createChatModel({ spec: profile.models.chat, runtime, logger }),
  "tts-ru": voice("tts-ru"),
  "tts-en": voice("tts-en"),
  vision: ({ profile, runtime, logger }: AdapterDeps) =>
    createVisionModel({ spec: profile.models.vision, runtime, logger }),
  embed: ({ profile, runtime, logger }: AdapterDeps) =>
    createE5Embedder({ spec: profile.models.embed, runtime, logger }),
} satisfies { readonly [K in ProfileKind]: (deps: AdapterDeps) => KindModel<K> };

/** The profile's models (each with its fallback chain), not yet managed, with their own types. */
export type CatalogueModels = {
  [K in ProfileKind]: ReturnType<(typeof PROFILE_ADAPTERS)[K]>;
};

/** The model the profile names for one kind (a worker thread builds only its own). */
export function createKindModel<K extends ProfileKind>(
  kind: K,
  profile: ResolvedProfile,
  deps: Omit<AdapterDeps, "profile">,
): CatalogueModels[K] {
  return PROFILE_ADAPTERS[kind]({ ...deps, profile }) as CatalogueModels[K];
}

/** Builds the profile's models: the app registers them, models:check loads them. */
export function createCatalogueModels(
  profile: ResolvedProfile,
  deps: Omit<AdapterDeps, "profile">,
): CatalogueModels {
  const built = Object.keys(PROFILE_ADAPTERS).map((kind) => [
    kind,
    createKindModel(kind as ProfileKind, profile, deps),
  ]);
  return Object.fromEntries(built) as CatalogueModels;
}

/** Every kind's model: the profile's, and the OCR engine built from the app's settings. */
export function createKindModels(
  profile: ResolvedProfile,
  deps: Omit<AdapterDeps, "profile"> & { ocr: OcrSettings },
): { readonly [K in KindId]: KindModel<K> } {
  const { ocr, ...rest } = deps;
  const engine = new TesseractOcr({ ...ocr, logger: deps.logger });
  return { ...createCatalogueModels(profile, rest), ocr: engine };
}
