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
