/**
 * Every environment variable the bot reads, with its default. `.env.example` documents
 * the same list; a test keeps the two in step.
 */
import { z } from "zod";
import { acceptedAsrLanguages, normaliseAsrLanguage } from "./asr-languages.js";
import { KIND_TABLE, WORKER_MODEL_NAMES, type OverrideEnvKey } from "../models/kinds/table.js";
import {
  autoOrBoolean,
  boolean,
  bytes,
  duration,
  idList,
  integer,
  list,
  number,
  queueLimits,
} from "./parsers.js";

const device = z.enum(["auto", "cpu", "cuda"]);
const dtype = z.enum(["auto", "fp32", "fp16", "q8", "int8", "uint8", "q4", "bnb4", "q4f16"]);
const optionalText = z
  .string()
  .optional()
  .transform((text) => (text?.trim() ? text.trim() : undefined));

type OverrideShape = Record<OverrideEnvKey<"model">, typeof optionalText> &
  Record<OverrideEnvKey<"dtype">, z.ZodOptional<typeof dtype>> &
  Record<OverrideEnvKey<"device">, z.ZodOptional<typeof device>>;

/** The `*_MODEL/_DTYPE/_DEVICE` variables of every kind that has them (TTS voices share two). */
function overrideShape(): OverrideShape {
  const shape: Record<string, z.ZodType> = {};
  for (const row of KIND_TABLE) {
    if (!("overrides" in row)) continue;
    shape[row.overrides.model] = optionalText;
    shape[row.overrides.dtype] = dtype.optional();
    shape[row.overrides.device] = device.optional();
  }
  return shape as OverrideShape;
}

/** WORKER_MODELS names: each kind and each group of kinds ("tts"). */
const workerModel = z.enum(WORKER_MODEL_NAMES as [string, ...string[]]);

export const envSchema = z.object({
  BOT_TOKEN: z
    .string({ error: "is required: create a bot with @BotFather and copy its token" })
    .regex(/^\d+:[\w-]{20,}$/, "does not look like a bot token (expected 123456:ABC-...)"),
  TELEGRAM_API_ROOT: z.url().default("https://api.telegram.org"),
  TELEGRAM_TIMEOUT: duration.default(30_000),
  TELEGRAM_MAX_RETRY_AFTER: duration.default(5 * 60_000),
  TELEGRAM_START_BACKOFF: duration.pipe(z.number().min(1, "must be above 0")).default(1_000),
  TELEGRAM_START_BACKOFF_MAX: duration.pipe(z.number().min(1, "must be above 0")).default(60_000),
  TELEGRAM_START_RETRY_MAX: duration.default(0),
  BOT_MODE: z.enum(["polling", "webhook"]).default("polling"),
  WEBHOOK_URL: optionalText.pipe(z.url().optional()),
  WEBHOOK_SECRET: optionalText.pipe(
    z
      .string()
      .regex(/^[\w-]{16,256}$/, "must be 16-256 characters of A-Z, a-z, 0-9, _ and -")
      .optional(),
  ),
  WEBHOOK_HOST: z.string().default("0.0.0.0"),
  WEBHOOK_PORT: integer(1, 65535).default(8080),

  ADMIN_IDS: idList.default([]),
  ALLOWED_USER_IDS: idList.default([]),

  DATA_DIR: z.string().min(1).default("./data"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  LOG_FORMAT: z.enum(["auto", "json", "pretty"]).default("auto"),

  MODEL_PROFILE: z.enum(["auto", "gpu", "cpu", "fixture"]).default("auto"),
  MODELS_DIR: optionalText,
  ALLOW_REMOTE_MODELS: boolean.default(true),
  MODEL_MEMORY_BUDGET: optionalText.pipe(bytes.optional()),
  MODEL_IDLE_UNLOAD: duration.default(5 * 60_000),
  MODELS_PRELOAD: list.default([]),
  MODEL_MAX_QUEUE: queueLimits.default({ perModel: {} }),
  MODEL_THREADS: integer(1, 1024).optional(),
  MODEL_WORKER_THREADS: autoOrBoolean.default("auto"),
  MODEL_BATCH_THREADS: autoOrBoolean.default("auto"),
  OWNER_MAX_WAITING: integer(1, 10_000).default(20),
  BATCH_AGING: duration.default(20_000),

  ...overrideShape(),

  ASR_LANGUAGE: z
    .string()
    .transform((text, ctx) => {
      const code = normaliseAsrLanguage(text);
      if (code !== undefined) return code;
      ctx.addIssue({
        code: "custom",
        message:
          `"${text}" is not a language Whisper knows; use auto or one of: ` +
          acceptedAsrLanguages().join("; "),
      });
      return z.NEVER;
    })
    .default("auto"),
  ASR_MAX_SECONDS: integer(1).default(600),
  ASR_NO_SPEECH_THRESHOLD: number(0, 1).default(0.6),
  VAD_THRESHOLD: number(0.05, 0.95).default(0.5),
  VAD_MIN_SPEECH_MS: integer(0, 10_000).default(250),
  VAD_MIN_SILENCE_MS: integer(0, 10_000).default(300),
  VAD_SPEECH_PAD_MS: integer(0, 2_000).default(0),
  TTS_MAX_CHARS: integer(1).default(1000),
  FFMPEG_PATH: z.string().default("ffmpeg"),
  ESPEAK_PATH: z.string().default("espeak-ng"),

  OCR_LANGS: z
    .string()
    .regex(/^[a-z_]+(\+[a-z_]+)*$/, "must look like rus+eng")
    .default("rus+eng"),
  OCR_WORKERS: integer(1, 16).optional(),
  OCR_ENGINE: z.enum(["auto", "native", "js"]).default("auto"),
  PDF_MAX_PAGES: integer(1, 1000).default(30),
  OCR_DEFAULT_MODE: z.enum(["auto", "fast", "accurate"]).default("auto"),
  // 1280 patches of 32x32 pixels: what a Qwen-VL-style encoder sees of a photo.
  VISION_MAX_PIXELS: integer(28 * 28, 50_000_000).default(1280 * 32 * 32),
  VISION_MAX_NEW_TOKENS: integer(16, 8192).default(1024),
  VISION_TIMEOUT: duration.default(120_000),

  CHAT_SYSTEM_PROMPT: optionalText,
  CHAT_MAX_NEW_TOKENS: integer(1, 8192).default(512),
  CHAT_TEMPERATURE: number(0, 2).default(0.7),
  CHAT_TOP_P: number(0, 1).default(0.9),
  CHAT_REPETITION_PENALTY: number(1, 2).default(1.1),
  CHAT_HISTORY_TOKENS: integer(64).default(2048),

  MAX_FILE_MB: number(0.1, 2000).default(20),
  RATE_LIMIT_PER_MINUTE: integer(1).default(20),
  METRICS_PORT: integer(0, 65535).default(9464),
  METRICS_HOST: z.string().default("127.0.0.1"),
  API_PORT: integer(0, 65535).default(0),
  API_HOST: z.string().min(1).default("127.0.0.1"),
  API_MAX_DOCUMENT_MB: number(0.1, 2000).default(50),
  API_MAX_AUDIO_MB: number(0.1, 2000).default(100),
  API_MAX_JSON_MB: number(0.1, 100).default(8),
  API_TIMEOUT: duration.pipe(z.number().min(1000, "must be at least 1s")).default(600_000),
  SHUTDOWN_TIMEOUT: duration.default(30_000),
  RESULT_ACTIONS_MAX_AGE: duration.default(7 * 24 * 3_600_000),

  // The data lifecycle (src/memory/retention.ts); 0 keeps forever / sets no cap.
  RESULTS_MAX_AGE_DAYS: integer(0, 36_500).default(30),
  HISTORY_MAX_AGE_DAYS: integer(0, 36_500).default(90),
  USAGE_MAX_AGE_DAYS: integer(0, 36_500).default(90),
  DATA_MAX_MB: integer(0).default(1024),
  PRUNE_INTERVAL: duration.pipe(z.number().min(60_000, "must be at least 1m")).default(3_600_000),

  // Per API key, unless the key sets its own (npm run keys -- add ... --rpm N); 0: unlimited.
  API_RATE_PER_MIN: integer(0).default(60),
  API_DAILY_AUDIO_MIN: integer(0).default(0),
  API_DAILY_PAGES: integer(0).default(0),
  API_DAILY_TOKENS: integer(0).default(0),

  ROLE: z.enum(["all", "bot", "worker"]).default("all"),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must look like redis://host:6379")
    .optional(),
  WORKER_MODELS: list.pipe(z.array(workerModel)).default([]),
  WORKER_ID: optionalText,
  CLUSTER_PREFIX: z
    .string()
    .regex(/^[\w-]+$/)
    .default("lai"),
  CLUSTER_LOCK_DURATION: duration.default(30_000),
  CLUSTER_STALLED_INTERVAL: duration.default(30_000),
  CLUSTER_MAX_ATTEMPTS: integer(1, 20).default(3),
  CLUSTER_HEARTBEAT: duration.default(5_000),
  CLUSTER_MAX_PAYLOAD: optionalText.pipe(bytes.optional()),
});

export type Env = z.infer<typeof envSchema>;

/** A model worker (ROLE=worker) talks to no Telegram: it needs no token. */
export const workerEnvSchema = envSchema.extend({
  BOT_TOKEN: envSchema.shape.BOT_TOKEN.optional(),
});
