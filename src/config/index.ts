/**
 * The one typed configuration object, built from the environment at start-up. Nothing
 * else in the app reads `process.env`: the composition root passes slices of this
 * object down.
 */
import fs from "node:fs";
import path from "node:path";
import type { z } from "zod";
import { KIND_TABLE, type OverridableKind, type OverrideEnvKey } from "../models/kinds/table.js";
import type { QueueLimits } from "./parsers.js";
import type { BackoffPolicy } from "../shared/backoff.js";
import { envSchema, workerEnvSchema, type Env } from "./schema.js";

export { parseBytes, parseDurationMs, type ModelId, type QueueLimits } from "./parsers.js";

type Device = "auto" | "cpu" | "cuda";
export interface ModelOverride {
  model?: string;
  dtype?: string;
  device?: Device;
}

export interface Config {
  telegram: {
    token: string;
    apiRoot: string;
    mode: "polling" | "webhook";
    /** One Bot API call attempt; a download gets this plus time for its size. */
    timeoutMs: number;
    /** The longest 429 retry_after waited for. */
    maxRetryAfterMs: number;
    /**
     * Start-up while Telegram can't be reached: tries spaced from `initialMs` doubling up
     * to `maxDelayMs` (jittered); `giveUpAfterMs` 0 keeps trying for ever.
     */
    startRetry: BackoffPolicy;
    webhook: { url?: string; secret?: string; host: string; port: number };
  };
  access: { adminIds: number[]; allowedUserIds: number[] };
  dataDir: string;
  databasePath: string;
  log: { level: Env["LOG_LEVEL"]; format: "json" | "pretty" };
  models: {
    profile: Env["MODEL_PROFILE"];
    dir: string;
    allowRemote: boolean;
    /** Undefined: pick by device (16 GiB on a GPU, a share of RAM on CPU). */
    budgetBytes?: number;
    idleUnloadMs: number;
    preload: string[];
    /** Jobs that may wait per model; unset ones are sized from memory. */
    maxQueue: QueueLimits;
    /** ONNX Runtime intra-op threads per session; undefined: cores shared among the models. */
    threads?: number;
    /**
     * Whether the in-process models run each in a worker thread of their own; "auto": on a
     * machine of several cores whose models are all on the CPU, when the memory budget holds
     * every model and its thread at once.
     */
    workerThreads: "auto" | boolean;
    /**
     * Whether the CPU models at the main thread's priority that the table marks run batch
     * pieces on a copy in a thread; "auto": when the memory budget holds every model and every
     * copy at once.
     */
    batchThreads: "auto" | boolean;
    /** Pieces one owner may have waiting in a model's line, and updates in their own line. */
    ownerMaxWaiting: number;
    /** How long batch work may wait behind interactive work before the two take turns. */
    batchAgingMs: number;
    /** Per kind, from its `*_MODEL/_DTYPE/_DEVICE` variables (see the model-kind table). */
    overrides: Record<OverridableKind, ModelOverride>;
  };
  speech: {
    ffmpegPath: string;
    espeakPath: string;
    asrLanguage: string;
    asrMaxSeconds: number;
    /** Whisper's no-speech probability above which a window with little speech is dropped. */
    noSpeechThreshold: number;
    vad: { threshold: number; minSpeechMs: number; minSilenceMs: number; speechPadMs: number };
    ttsMaxChars: number;
  };
  ocr: {
    langs: string[];
    workers?: number;
    /** auto: the native `tesseract` program when it runs with the languages, else tesseract.js. */
    engine: "auto" | "native" | "js";
    pdfMaxPages: number;
    /** Reading mode of users who never chose one; auto: accurate when the VLM runs on CUDA. */
    defaultMode: "auto" | "fast" | "accurate";
  };
  /** Limits of the vision-language model's jobs. */
  vision: { maxPixels: number; maxNewTokens: number; timeoutMs: number };
  chat: {
    systemPrompt?: string;
    maxNewTokens: number;
    temperature: number;
    topP: number;
    repetitionPenalty: number;
    historyTokens: number;
  };
  limits: { maxFileBytes: number; rateLimitPerMinute: number };
  /** What an API key may use when it sets no limit of its own; 0 is unlimited. */
  apiLimits: ApiLimits;
  /** How long the buttons under a result (summary, translate, ...) keep working. */
  resultActionsMaxAgeMs: number;
  /** How long stored data is kept, and the database's size cap. */
  retention: RetentionConfig;
  metrics: { host: string; port: number };
  api: ApiConfig;
  shutdownTimeoutMs: number;
  cluster: ClusterConfig;
}

/** What the pruner keeps (src/memory/retention.ts); 0 keeps forever or sets no cap. */
export interface RetentionConfig {
  /** Results (recognized text, transcripts, long answers) and what hangs off them. */
  resultsMaxAgeDays: number;
  /** Conversation turns. */
  historyMaxAgeDays: number;
  /** The usage log; at least today's is always kept, for the API's daily quotas. */
  usageMaxAgeDays: number;
  /** Used size of the database above which the oldest of those rows go. */
  maxBytes: number;
  /** How often the pruner runs (it also runs at start). */
  intervalMs: number;
}

/** Requests per minute and daily amounts (UTC days) of one API key. */
export interface ApiLimits {
  ratePerMin: number;
  dailyAudioMin: number;
  dailyPages: number;
  dailyTokens: number;
}

/** The HTTP API (src/api): off while `port` is 0. */
export interface ApiConfig {
  port: number;
  host: string;
  /** Largest request body of an image or PDF upload (OCR, the table reader). */
  maxDocumentBytes: number;
  /** Largest request body of an audio or video upload (transcription). */
  maxAudioBytes: number;
  /** Largest JSON body (chat, with a picture as a base64 data URL; speech). */
  maxJsonBytes: number;
  /** How long a request may wait and run (a model loading, a long line) before a 504. */
  timeoutMs: number;
}

/** How this process takes part in a cluster (ROLE); see src/cluster. */
export interface ClusterConfig {
  role: "all" | "bot" | "worker";
  redisUrl?: string;
  /** Model kinds a worker serves ("tts" means both voices); empty: all. */
  workerModels: string[];
  workerId?: string;
  prefix: string;
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxAttempts: number;
  heartbeatMs: number;
  maxPayloadBytes: number;
}

/** Thrown when the environment is invalid; the message lists every problem, one per line. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
  }
}

/**
 * The models folder of `env`: MODELS_DIR, else DATA_DIR/models, relative paths against
 * `cwd`, empty values unset. The bot's config and the `models:pull`/`models:check` scripts
 * both read it, so a script run in the bot's container (or beside its `.env`) fills and
 * checks the folder the bot loads from.
 */
export function modelsDirFrom(
  env: Record<string, string | undefined>,
  cwd = process.cwd(),
): string {
  const parsed = envSchema
    .pick({ DATA_DIR: true, MODELS_DIR: true })
    .safeParse(withoutEmptyStrings(env));
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error));
  const { DATA_DIR, MODELS_DIR } = parsed.data;
  return MODELS_DIR
    ? path.resolve(cwd, MODELS_DIR)
    : path.join(path.resolve(cwd, DATA_DIR), "models");
}

/** Bot API limit for files a bot may download from Telegram's own servers. */
const TELEGRAM_DOWNLOAD_LIMIT_MB = 20;

/**
 * Reads `.env` of the working directory into the environment, when there is one: the bot and
 * every script (models, keys, backup) see the same settings. Variables already set win.
 */
export function loadDotEnv(): void {
  if (fs.existsSync(".env")) process.loadEnvFile(".env");
}

/**
 * Validates `env` and returns the typed config, or throws a {@link ConfigError} that
 * lists every invalid or missing variable at once.
 */
export function loadConfig(
  env: Record<string, string | undefined>,
  options: {
    isTty?: boolean;
    cwd?: string;
    /** False for a tool that talks to no Telegram (`npm run keys`): no BOT_TOKEN needed. */
    needsToken?: boolean;
  } = {},
): Config {
  const cleaned = withoutEmptyStrings(env);
  const needsToken = (options.needsToken ?? true) && cleaned.ROLE !== "worker";
  const schema = needsToken ? envSchema : workerEnvSchema;
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error));
  const e = parsed.data;

  const problems: string[] = [];
  if (e.BOT_MODE === "webhook") {
    if (!e.WEBHOOK_URL) problems.push("WEBHOOK_URL: is required when BOT_MODE=webhook");
    if (!e.WEBHOOK_SECRET) problems.push("WEBHOOK_SECRET: is required when BOT_MODE=webhook");
  }
  if (e.MODEL_PROFILE === "fixture" && e.ALLOW_REMOTE_MODELS && env.ALLOW_REMOTE_MODELS) {
    problems.push("ALLOW_REMOTE_MODELS: the fixture profile runs offline; leave it unset or false");
  }
  if (e.ROLE !== "all" && !e.REDIS_URL) {
    problems.push(`REDIS_URL: is required when ROLE=${e.ROLE}`);
  }
  if (e.ROLE === "worker" && e.API_PORT > 0) {
    problems.push(
      "API_PORT: a model worker serves no HTTP API; set it on the bot process (ROLE=bot or all)",
    );
  }
  if (e.TELEGRAM_START_BACKOFF_MAX < e.TELEGRAM_START_BACKOFF) {
    problems.push("TELEGRAM_START_BACKOFF_MAX: must be at least TELEGRAM_START_BACKOFF");
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const cwd = options.cwd ?? process.cwd();
  const dataDir = path.resolve(cwd, e.DATA_DIR);
  const isOfficialApi = new URL(e.TELEGRAM_API_ROOT).hostname === "api.telegram.org";
  const maxFileMb = isOfficialApi
    ? Math.min(e.MAX_FILE_MB, TELEGRAM_DOWNLOAD_LIMIT_MB)
    : e.MAX_FILE_MB;

  return {
    telegram: {
      token: e.BOT_TOKEN ?? "",
      apiRoot: e.TELEGRAM_API_ROOT.replace(/\/+$/, ""),
      mode: e.BOT_MODE,
      timeoutMs: e.TELEGRAM_TIMEOUT,
      maxRetryAfterMs: e.TELEGRAM_MAX_RETRY_AFTER,
      startRetry: {
        initialMs: e.TELEGRAM_START_BACKOFF,
        maxDelayMs: e.TELEGRAM_START_BACKOFF_MAX,
        giveUpAfterMs: e.TELEGRAM_START_RETRY_MAX,
      },
      webhook: {
        url: e.WEBHOOK_URL,
        secret: e.WEBHOOK_SECRET,
        host: e.WEBHOOK_HOST,
        port: e.WEBHOOK_PORT,
      },
    },
    access: { adminIds: e.ADMIN_IDS, allowedUserIds: e.ALLOWED_USER_IDS },
    dataDir,
    databasePath: path.join(dataDir, "bot.sqlite"),
    log: {
      level: e.LOG_LEVEL,
      format:
        e.LOG_FORMAT === "auto"
          ? options.isTty && env.NODE_ENV !== "production"
            ? "pretty"
            : "json"
          : e.LOG_FORMAT,
    },
    models: {
      profile: e.MODEL_PROFILE,
      dir: modelsDirFrom(env, cwd),
      allowRemote: e.MODEL_PROFILE === "fixture" ? false : e.ALLOW_REMOTE_MODELS,
      budgetBytes: e.MODEL_MEMORY_BUDGET,
      idleUnloadMs: e.MODEL_IDLE_UNLOAD,
      preload: e.MODELS_PRELOAD,
      maxQueue: e.MODEL_MAX_QUEUE,
      threads: e.MODEL_THREADS,
      workerThreads: e.MODEL_WORKER_THREADS,
      batchThreads: e.MODEL_BATCH_THREADS,
      ownerMaxWaiting: e.OWNER_MAX_WAITING,
      batchAgingMs: e.BATCH_AGING,
      overrides: modelOverrides(e),
    },
    speech: {
      ffmpegPath: e.FFMPEG_PATH,
      espeakPath: e.ESPEAK_PATH,
      asrLanguage: e.ASR_LANGUAGE,
      asrMaxSeconds: e.ASR_MAX_SECONDS,
      noSpeechThreshold: e.ASR_NO_SPEECH_THRESHOLD,
      vad: {
        threshold: e.VAD_THRESHOLD,
        minSpeechMs: e.VAD_MIN_SPEECH_MS,
        minSilenceMs: e.VAD_MIN_SILENCE_MS,
        speechPadMs: e.VAD_SPEECH_PAD_MS,
      },
      ttsMaxChars: e.TTS_MAX_CHARS,
    },
    ocr: {
      langs: e.OCR_LANGS.split("+"),
      workers: e.OCR_WORKERS,
      engine: e.OCR_ENGINE,
      pdfMaxPages: e.PDF_MAX_PAGES,
      defaultMode: e.OCR_DEFAULT_MODE,
    },
    vision: {
      maxPixels: e.VISION_MAX_PIXELS,
      maxNewTokens: e.VISION_MAX_NEW_TOKENS,
      timeoutMs: e.VISION_TIMEOUT,
    },
    chat: {
      systemPrompt: e.CHAT_SYSTEM_PROMPT,
      maxNewTokens: e.CHAT_MAX_NEW_TOKENS,
      temperature: e.CHAT_TEMPERATURE,
      topP: e.CHAT_TOP_P,
      repetitionPenalty: e.CHAT_REPETITION_PENALTY,
      historyTokens: e.CHAT_HISTORY_TOKENS,
    },
    limits: {
      maxFileBytes: megabytes(maxFileMb),
      rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    },
    apiLimits: {
      ratePerMin: e.API_RATE_PER_MIN,
      dailyAudioMin: e.API_DAILY_AUDIO_MIN,
      dailyPages: e.API_DAILY_PAGES,
      dailyTokens: e.API_DAILY_TOKENS,
    },
    resultActionsMaxAgeMs: e.RESULT_ACTIONS_MAX_AGE,
    retention: {
      resultsMaxAgeDays: e.RESULTS_MAX_AGE_DAYS,
      historyMaxAgeDays: e.HISTORY_MAX_AGE_DAYS,
      usageMaxAgeDays: e.USAGE_MAX_AGE_DAYS,
      maxBytes: megabytes(e.DATA_MAX_MB),
      intervalMs: e.PRUNE_INTERVAL,
    },
    metrics: { host: e.METRICS_HOST, port: e.METRICS_PORT },
    api: {
      port: e.API_PORT,
      host: e.API_HOST,
      maxDocumentBytes: megabytes(e.API_MAX_DOCUMENT_MB),
      maxAudioBytes: megabytes(e.API_MAX_AUDIO_MB),
      maxJsonBytes: megabytes(e.API_MAX_JSON_MB),
      timeoutMs: e.API_TIMEOUT,
    },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT,
    cluster: {
      role: e.ROLE,
      redisUrl: e.REDIS_URL,
      workerModels: e.WORKER_MODELS,
      workerId: e.WORKER_ID,
      prefix: e.CLUSTER_PREFIX,
      lockDurationMs: e.CLUSTER_LOCK_DURATION,
      stalledIntervalMs: e.CLUSTER_STALLED_INTERVAL,
      maxAttempts: e.CLUSTER_MAX_ATTEMPTS,
      heartbeatMs: e.CLUSTER_HEARTBEAT,
      maxPayloadBytes: e.CLUSTER_MAX_PAYLOAD ?? defaultMaxPayloadBytes(e.ASR_MAX_SECONDS),
    },
  };
}

/** Each overridable kind's model, dtype and device variables, as the kind table names them. */
function modelOverrides(
  e: Pick<Env, OverrideEnvKey<"model" | "dtype" | "device">>,
): Record<OverridableKind, ModelOverride> {
  const entries = KIND_TABLE.flatMap((row) =>
    "overrides" in row
      ? [
          [
            row.id,
            {
              model: e[row.overrides.model],
              dtype: e[row.overrides.dtype],
              device: e[row.overrides.device],
            },
          ] as const,
        ]
      : [],
  );
  return Object.fromEntries(entries) as Record<OverridableKind, ModelOverride>;
}

/** MB settings are MiB, as MAX_FILE_MB always was. */
function megabytes(mb: number): number {
  return Math.round(mb * 1024 * 1024);
}

/** Treats `VAR=` like an unset variable, so an emptied line in `.env` means "use the default". */
function withoutEmptyStrings(env: Record<string, string | undefined>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== "") result[key] = value;
  }
  return result;
}

function describeIssues(error: z.ZodError): string[] {
  const lines = error.issues.map(
    (issue) => `${String(issue.path[0] ?? "environment")}: ${issue.message}`,
  );
  return [...new Set(lines)];
}

/**
 * The default cluster payload limit: room for the longest recording accepted, as the
 * 16 kHz float PCM that Whisper and the VAD each receive, base64-encoded (+1 MiB for the
 * rest of the job); at least 32 MiB. 600 s of audio: about 50 MiB.
 */
export function defaultMaxPayloadBytes(asrMaxSeconds: number): number {
  const pcmBase64 = Math.ceil((16_000 * 4 * asrMaxSeconds * 4) / 3);
  return Math.max(32 * 2 ** 20, pcmBase64 + 2 ** 20);
}
