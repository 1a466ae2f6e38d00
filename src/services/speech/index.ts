export { SpeechService } from "./speech-service.js";
export type {
  SpeechServiceOptions,
  Synthesis,
  SynthesizeOptions,
  TextNormalizer,
  TranscribeOptions,
  Transcription,
} from "./speech-service.js";
export { planSpeech, splitByScript, spellNumbers, expandAbbreviations } from "./speech-text.js";
export type { ScriptRun, SpeechSegment } from "./speech-text.js";
export {
  collapseRepetition,
  dropReason,
  isKnownHallucination,
  KNOWN_HALLUCINATIONS,
} from "./guards.js";
export { DEFAULT_GUARD_SETTINGS } from "./guards.js";
export type { DropReason, GuardSettings, SegmentEvidence } from "./guards.js";
export {
  DEFAULT_VAD_SETTINGS,
  DEFAULT_WINDOW_SETTINGS,
  heardSamples,
  planSpeechWindows,
  speechSpans,
  splitLongSpan,
} from "./speech-windows.js";
export type { FrameProbabilities, Span, SpeechWindow, VadSettings } from "./speech-windows.js";
