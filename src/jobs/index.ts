/**
 * The job layer: between front-ends (the Telegram bot, later an HTTP API) and the services.
 * A request is an owner, a kind of work, its inputs, a cancel signal and progress events;
 * routing, context, history, results, usage and scheduling are decided here, once.
 * Nothing here knows about Telegram.
 */
export { JobLayer, LONG_ANSWER_CHARS } from "./job-layer.js";
export type {
  AnswerPlan,
  AnswerRequest,
  AskRequest,
  CompletionRequest,
  JobLayerOptions,
  JobRequest,
} from "./job-layer.js";
export {
  MAX_QUESTION_CHARS,
  NEAREST_PLACES,
  type DocumentAnswer,
  type Source,
} from "./documents.js";
export { timeCode } from "../services/qa/guard.js";
export { apiKeyOwner, telegramOwner, type ConversationOwner, type Owner } from "./owner.js";
export { MAX_PICTURES, type Picture, type PictureFetcher, type PictureRef } from "./pictures.js";
export type { Progress, ProgressListener } from "./progress.js";
export { defaultReadingMode } from "./reading-mode.js";
export type { JobServices, JobStores } from "./services.js";
export type * from "./types.js";
export { SPEECH_FORMATS } from "./types.js";
