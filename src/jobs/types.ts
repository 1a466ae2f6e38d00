/** What front-ends hand the job layer and get back: plain data, nothing of Telegram. */
import type { SpeechFormat } from "../media/audio-encode.js";
import type { HistoryKind, ReadingMode } from "../memory/index.js";

/** opus (OGG/Opus), mp3, wav, flac, pcm (raw 16-bit little-endian mono). */
export type { SpeechFormat };
export { SPEECH_FORMATS } from "../media/audio-encode.js";

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

/** One message of a conversation the caller holds; pictures are encoded images. */
export interface CompletionMessage {
  role: "system" | "user" | "assistant";
  text: string;
  pictures?: readonly Uint8Array[];
}

export interface Completion {
  /** The visible answer (reasoning left out). */
  text: string;
  /** It stopped at the token cap. */
  truncated: boolean;
  promptTokens: number;
  completionTokens: number;
}

export interface CompletionReply {
  /** Which model answers: "vision" when a message carries a picture. */
  model: "chat" | "vision";
  /** Visible text as it is generated; leaving the loop early stops the job. */
  pieces: AsyncIterable<string>;
  /** As {@link AnswerReply.done}: already handled, may be left unawaited after a failure. */
  done: Promise<Completion>;
}

export interface TranscriptSegment {
  startS: number;
  endS: number;
  text: string;
}

export interface Transcript {
  /** The transcript, normalized when that was asked for and succeeded. */
  text: string;
  /** The transcript as Whisper heard it (after the guards); equal to `text` when not normalized. */
  rawText: string;
  normalized: boolean;
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
  /** 1-based numbers of pages of a multi-page image that could not be decoded; only when any. */
  unreadablePages?: number[];
  /** As for {@link Transcript.resultId}. */
  resultId?: number;
}

export interface Speech {
  /** In the asked format: OGG/Opus by default. */
  audio: Uint8Array;
  /** Samples per second of `audio` (48 kHz for Opus; the voice's rate for pcm, wav, flac, mp3). */
  sampleRate: number;
  durationS: number;
}

export interface PictureTable {
  /** Header row first. */
  rows: string[][];
  markdown: string;
  csv: string;
}
