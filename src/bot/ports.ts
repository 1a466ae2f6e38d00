/**
 * What the bot needs from the services, and nothing more. The composition root adapts
 * the real services to these shapes; tests pass fakes. Keeping the surface this narrow
 * is what lets the bot know nothing about models or ONNX.
 */
import type { JobRecord, NewJob } from "../memory/index.js";
import type { StatusSnapshot } from "../services/status/index.js";

/** Progress of a job, for the status message ("2nd in line", "page 3/12"). */
export type Progress =
  | { type: "queued"; position: number }
  | { type: "loading" }
  | { type: "running" }
  | { type: "page"; page: number; pages: number }
  | { type: "minutes"; done: number; total: number };

export interface JobOptions {
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  /** Who asked, for the usage log (and /forget). */
  requester?: { chatId: number; userId: number };
}

/** Where a chat turn came from. */
export type TurnKind = "text" | "voice" | "ocr";

export interface ChatRequest {
  chatId: number;
  userId: number;
  text: string;
  kind: TurnKind;
}

export interface ChatReply {
  /** Visible text as it is generated. */
  pieces: AsyncIterable<string>;
  /**
   * The whole answer once generation ended (`truncated`: it stopped at the token cap, not at
   * its end). A failure rejects it and also ends `pieces`
   * with the same error, so a caller that stops at a failed `pieces` may leave `done`
   * unawaited: implementations must attach a rejection handler to it.
   */
  done: Promise<{ text: string; truncated: boolean }>;
}

export interface ChatPort {
  reply(request: ChatRequest, options?: JobOptions): ChatReply;
  reset(dialog: { chatId: number; userId: number }): void;
  /** A short summary of `text`, written in `lang` (the text's language). */
  summarize(text: string, options: JobOptions & { lang: string }): Promise<string>;
  /** `text` translated into `to` ("ru", "en"). */
  translate(text: string, options: JobOptions & { to: string }): Promise<string>;
}

export interface MediaInput {
  bytes: Uint8Array;
  fileName?: string;
  mimeType?: string;
}

export interface TranscriptSegment {
  startS: number;
  endS: number;
  text: string;
}

export interface Transcript {
  text: string;
  language: string;
  durationS: number;
  segments: TranscriptSegment[];
}

export interface Speech {
  ogg: Uint8Array;
  durationS: number;
}

export interface SpeechPort {
  transcribe(input: MediaInput, options: JobOptions & { normalize: boolean }): Promise<Transcript>;
  synthesize(
    text: string,
    options: JobOptions & { voice: "auto" | "espeak"; lang?: string },
  ): Promise<Speech>;
}

export interface RecognizedDocument {
  text: string;
  /** "accurate" was asked for but the vision model could not serve: tesseract read it. */
  fallback?: boolean;
  /** "ru", "en", "mixed" or "unknown", judged by the alphabet. */
  language: string;
  pages: number;
  /** Pages beyond the page cap that were not read. */
  skippedPages: number;
}

/** fast: tesseract; accurate: the vision model (tesseract when it can't serve). */
export type ReadingMode = "fast" | "accurate";

export type RecognizeOptions = JobOptions & { normalize: boolean; mode: ReadingMode };

export interface DocumentsPort {
  recognizeImage(input: MediaInput, options: RecognizeOptions): Promise<RecognizedDocument>;
  recognizePdf(input: MediaInput, options: RecognizeOptions): Promise<RecognizedDocument>;
}

/** A picture as Telegram knows it; the bot keeps only this, never the bytes. */
export interface PictureRef {
  fileId: string;
  uniqueId: string;
}

export interface PictureQuestion {
  chatId: number;
  userId: number;
  question: string;
  /** The language to answer in ("ru", "en"). */
  language: string;
  /** A new picture and/or the conversation's earlier ones, downloaded. */
  pictures: (PictureRef & { bytes: Uint8Array })[];
}

export interface PictureTable {
  /** Header row first. */
  rows: string[][];
  markdown: string;
  csv: string;
}

export interface VisionPort {
  /** A chart, diagram or table photo as a table; "vision.no_table" when there is none. */
  table(input: MediaInput, options: JobOptions): Promise<PictureTable>;
  /** Answers a question about pictures, streamed, and keeps it in the conversation. */
  ask(question: PictureQuestion, options?: JobOptions): ChatReply;
  /** The pictures a follow-up question in this conversation should still see (newest first). */
  conversationImages(dialog: { chatId: number; userId: number }): PictureRef[];
}

/** What /status shows; the status service builds it. */
export type { ModelSummary as ModelStatus, StatusSnapshot } from "../services/status/index.js";

export interface StatusPort {
  snapshot(): StatusSnapshot;
}

/** Downloads a Telegram file by its path on the Bot API server. */
export type FileFetcher = (filePath: string, signal?: AbortSignal) => Promise<Uint8Array>;

/**
 * The job journal (the store implements it): a job is accepted when its update arrives
 * and cleared once its answer is delivered, so what is left after a crash or a timed-out
 * shutdown can be run again or its user told. A cancelled job is simply cleared.
 */
export interface JobJournal {
  accept(job: NewJob): void;
  /** The job's status message, or `undefined` once it is removed. */
  showProgress(updateId: number, messageId: number | undefined): void;
  markInterrupted(updateId: number): void;
  retry(updateId: number): void;
  clear(updateId: number): void;
  pending(): JobRecord[];
}
