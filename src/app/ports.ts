/**
 * Adapts the services to the narrow ports the bot is written against: job events become
 * progress messages, results shrink to what the bot shows, and every job is recorded in
 * the usage log for /status.
 */
import type { ChatPort, DocumentsPort, Progress, SpeechPort } from "../bot/index.js";
import type { UsageEvent } from "../memory/index.js";
import type { JobEvent } from "../models/contract.js";
import type { ChatService } from "../services/chat/index.js";
import type { DocumentService } from "../services/documents/index.js";
import type { SpeechService } from "../services/speech/index.js";
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

export function chatPort(chat: ChatService): ChatPort {
  return {
    reply(request, options = {}) {
      const reply = chat.reply(request, {
        signal: options.signal,
        onEvent: (event) => options.onProgress?.(toProgress(event)),
      });
      const done = reply.done.then((outcome) => ({ text: outcome.text }));
      // A reader that stops at a failed piece never awaits `done`: its rejection is not news.
      done.catch(() => undefined);
      return { pieces: reply.pieces, done };
    },
    reset: (dialog) => chat.reset(dialog),
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
        });
        return { text: result.text, language: result.language, durationS: result.durationS };
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
        const result = await run(input.bytes, {
          normalize: options.normalize,
          signal: options.signal,
          onJobEvent: (event) => options.onProgress?.(toProgress(event)),
          // Page progress matters for documents of several pages only.
          onProgress: (page) => {
            if (page.pages > 1)
              options.onProgress?.({ type: "page", page: page.page, pages: page.pages });
          },
        });
        return { text: result.text, pages: result.pages.length, skippedPages: result.skippedPages };
      });
  return { recognizeImage: recognize("image"), recognizePdf: recognize("pdf") };
}
