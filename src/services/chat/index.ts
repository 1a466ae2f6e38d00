/**
 * The chat service layer: conversations with memory and streamed replies, and normalization
 * of recognized (OCR / speech) text. It talks to the chat model only through a
 * `ModelHandle`, so queueing, memory budget and stats stay with the model manager, and it
 * knows nothing about Telegram.
 */
export { ChatService } from "./chat-service.js";
export type {
  ChatInput,
  ChatOutcome,
  ChatReply,
  ChatReplyOptions,
  ChatServiceOptions,
  ChatSettings,
  CompletionInput,
} from "./chat-service.js";
export { ChatNormalizer, DEFAULT_MAX_CHUNK_CHARS, tidyOutput } from "./normalizer.js";
export type { ChatNormalizerOptions, NormalizationResult, Normalizer } from "./normalizer.js";
export { checkNormalization, DEFAULT_GUARD_LIMITS, wordOverlap } from "./guard.js";
export type { GuardLimits } from "./guard.js";
export { chunkText, joinChunks } from "./chunking.js";
export type { TextChunk } from "./chunking.js";
export {
  DEFAULT_SYSTEM_PROMPT,
  normalizationMessages,
  summaryMessages,
  translationMessages,
} from "./prompts.js";
export { TextTasks } from "./text-tasks.js";
export type { TextTaskOptions, TextTasksOptions } from "./text-tasks.js";
export type { NormalizationKind } from "./prompts.js";
export { ThinkFilter, stripThink } from "./think.js";
export { PieceStream } from "./piece-stream.js";
