/**
 * Adapts the services to the narrow ports the bot is written against: job events become
 * progress messages, results shrink to what the bot shows, and every job is recorded in
 * the usage log for /status.
 */
import type {
  ChatPort,
  DocumentsPort,
  JobOptions,
  Progress,
  ReadingMode,
  SpeechPort,
  VisionPort,
} from "../bot/index.js";
import type { ComputeDevice } from "../models/contract.js";
import type { UsageEvent } from "../memory/index.js";
import type { JobEvent } from "../models/contract.js";
import type { ChatService, TextTasks } from "../services/chat/index.js";
import type { DocumentService } from "../services/documents/index.js";
import type { SpeechService } from "../services/speech/index.js";
import type { VisionService } from "../services/vision/index.js";
import type { Clock } from "../shared/clock.js";
import { isAppError } from "../shared/errors.js";

export function toProgress(event: JobEvent): Progress {
  switch (event.type) {
    case "queued":
      return { type: "queued", position: event.position };
    case "loading":
      return { type: "loading" };
    case "running":
      return { type: "running" };
  }
}

/** "minute 3 of 10": whole minutes heard, of the recording's minutes rounded up. */
export function minutesProgress(heardS: number, totalS: number): Progress {
  return { type: "minutes", done: Math.floor(heardS / 60), total: Math.ceil(totalS / 60) };
}

type Record = (event: UsageEvent) => void;

/** Runs `job`, logging its duration and outcome under `task` for the requester. */
async function recorded<T>(
  clock: Clock,
  record: Record,
  task: string,
  requester: { chatId: number; userId: number } | undefined,
  job: () => Promise<T>,
): Promise<T> {
  const started = clock.now();
  const event = { task, userId: requester?.userId, chatId: requester?.chatId };
  try {
    const result = await job();
    record({ ...event, durationMs: clock.now() - started, ok: true });
    return result;
  } catch (error) {
    record({
      ...event,
      durationMs: clock.now() - started,
      ok: false,
      errorCode: isAppError(error) ? error.code : "internal",
    });
    throw error;
  }
}

export function chatPort(chat: ChatService, tasks: TextTasks): ChatPort {
  const taskOptions = (options: JobOptions) => ({
    signal: options.signal,
    requester: options.requester,
    onEvent: (event: JobEvent) => options.onProgress?.(toProgress(event)),
  });
  return {
    reply(request, options = {}) {
      // The service's own `done` is passed on as it is: it already carries a rejection
      // handler (a failure reaches the bot through `pieces`), where a derived promise would
      // float and turn every failed reply into an unhandled rejection.
      const reply = chat.reply(request, {
        signal: options.signal,
        onEvent: (event) => options.onProgress?.(toProgress(event)),
      });
      return { pieces: reply.pieces, done: reply.done };
    },
    reset: (dialog) => chat.reset(dialog),
    summarize: (text, options) => tasks.summarize(text, options.lang, taskOptions(options)),
    translate: (text, options) => tasks.translate(text, options.to, taskOptions(options)),
  };
}

export function speechPort(speech: SpeechService, clock: Clock, record: Record): SpeechPort {
  return {
    transcribe: (input, options) =>
      recorded(clock, record, "asr", options.requester, async () => {
        const result = await speech.transcribe(input.bytes, {
          fileName: input.fileName,
          mimeType: input.mimeType,
          normalize: options.normalize,
          signal: options.signal,
          onEvent: (event) => options.onProgress?.(toProgress(event)),
          onHeard: (heardS, totalS) => {
            // Minutes matter for recordings of several minutes only.
            if (totalS >= 120) options.onProgress?.(minutesProgress(heardS, totalS));
          },
        });
        return {
          text: result.text,
          language: result.language,
          durationS: result.durationS,
          segments: result.segments.map(({ startS, endS, text }) => ({ startS, endS, text })),
        };
      }),
    synthesize: (text, options) =>
      recorded(clock, record, "tts", options.requester, async () => {
        const result = await speech.synthesize(text, {
          lang: options.lang,
          engine: options.voice,
          signal: options.signal,
          onEvent: (event) => options.onProgress?.(toProgress(event)),
        });
        return { ogg: result.ogg, durationS: result.durationS };
      }),
  };
}

export function documentsPort(
  documents: DocumentService,
  clock: Clock,
  record: Record,
): DocumentsPort {
  const recognize =
    (kind: "image" | "pdf"): DocumentsPort["recognizeImage"] =>
    (input, options) =>
      recorded(clock, record, "ocr", options.requester, async () => {
        const run =
          kind === "pdf"
            ? documents.recognizePdf.bind(documents)
            : documents.recognizeImage.bind(documents);
        // Each scanned page is its own OCR job, whose "running" event comes right after the
        // page's number: it must not replace "page 3 of 30" with "working on it".
        let page: Progress | undefined;
        const result = await run(input.bytes, {
          normalize: options.normalize,
          mode: options.mode,
          signal: options.signal,
          onJobEvent: (event) => {
            const progress = toProgress(event);
            options.onProgress?.(progress.type === "running" && page ? page : progress);
          },
          // Page progress matters for documents of several pages only.
          onProgress: (current) => {
            if (current.pages <= 1) return;
            page = { type: "page", page: current.page, pages: current.pages };
            options.onProgress?.(page);
          },
        });
        return {
          text: result.text,
          language: result.language,
          pages: result.pages.length,
          skippedPages: result.skippedPages,
          fallback: result.fallback,
        };
      });
  return { recognizeImage: recognize("image"), recognizePdf: recognize("pdf") };
}

export function visionPort(vision: VisionService): VisionPort {
  const jobOptions = (options: JobOptions) => ({
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.requester ? { requester: options.requester } : {}),
    onEvent: (event: JobEvent) => options.onProgress?.(toProgress(event)),
  });
  return {
    table: (input, options) => vision.table(input.bytes, jobOptions(options)),
    ask(question, options = {}) {
      // As for chat: `done` already carries a rejection handler; pass it on as it is.
      const reply = vision.ask(question, jobOptions(options));
      return { pieces: reply.pieces, done: reply.done };
    },
    conversationImages: (dialog) => vision.conversationImages(dialog),
  };
}

/**
 * OCR_DEFAULT_MODE resolved: "auto" reads accurately (the vision model) only where that
 * model runs on CUDA; on a CPU it takes far longer than tesseract.
 */
export function defaultReadingMode(
  setting: "auto" | ReadingMode,
  visionDevice: ComputeDevice | undefined,
): ReadingMode {
  if (setting !== "auto") return setting;
  return visionDevice === "cuda" ? "accurate" : "fast";
}
