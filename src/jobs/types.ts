/** What front-ends hand the job layer and get back: plain data, nothing of Telegram. */
import type { HistoryKind, ReadingMode } from "../memory/index.js";

/** A file the person sent, downloaded by the front-end. */
export interface MediaInput {
  bytes: Uint8Array;
  fileName?: string;
  mimeType?: string;
}

/** Where a chat turn came from. */
export type TurnKind = HistoryKind;

/** fast: tesseract; accurate: the vision model (tesseract when it can't serve). */
export type { ReadingMode };

export interface AnswerReply {
  /** Visible text as it is generated. */
  pieces: AsyncIterable<string>;
  /**
   * The whole answer once generation ended (`truncated`: it stopped at the token cap). A
   * failure rejects it and also ends `pieces` with the same error; it already carries a
   * rejection handler, so a caller that stops at a failed `pieces` may leave it unawaited.
   */
  done: Promise<{ text: string; truncated: boolean }>;
}

/** One message of a conversation a caller sends whole (no history is kept for it). */
export interface CompletionMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface CompletionReply {
  /** Visible text as it is generated (reasoning left out). */
  pieces: AsyncIterable<string>;
  /**
   * How it ended: the whole text, the prompt's and the completion's tokens, and whether it
   * stopped at the token cap. Fails as {@link AnswerReply.done} does, and is as safe to leave.
   */
  done: Promise<{
    text: string;
    promptTokens: number;
    completionTokens: number;
    truncated: boolean;
  }>;
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
  /** The stored result (for the buttons under it); none when the text is empty or has no conversation. */
  resultId?: number;
}

export interface RecognizedDocument {
  /** The text read, cleaned up by the chat model when normalization was asked for and ran. */
  text: string;
  /** The text as read, before that clean-up; only when it ran. */
  rawText?: string;
  /** "accurate" was asked for but the vision model could not serve: tesseract read it. */
  fallback?: boolean;
  /** "ru", "en", "mixed" or "unknown", judged by the alphabet. */
  language: string;
  pages: number;
  /** Pages beyond the page cap that were not read. */
  skippedPages: number;
  /** As for {@link Transcript.resultId}. */
  resultId?: number;
}

export interface Speech {
  ogg: Uint8Array;
  durationS: number;
}

export interface PictureTable {
  /** Header row first. */
  rows: string[][];
  markdown: string;
  csv: string;
}
