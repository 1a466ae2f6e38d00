/**
 * Voice in and voice out for the bot: any Telegram audio to text (Whisper), and text to
 * a Telegram voice message (MMS-TTS per language, espeak-ng when no neural voice is
 * available). Models are reached through `ModelHandle`s, so the manager's queue and
 * memory budget apply; tools and limits arrive as plain options from the composition root.
 */
import type { Logger } from "pino";
import { decodeAudio } from "../../media/audio-decode.js";
import { encodeVoice } from "../../media/audio-encode.js";
import { concatPcm, resample, silence, type Pcm } from "../../media/audio-pcm.js";
import type { ToolRunner } from "../../media/audio-process.js";
import { Espeak } from "../../media/espeak.js";
import { Ffmpeg } from "../../media/ffmpeg.js";
import type { AsrInput, AsrResult, AsrWindowTiming } from "../../models/adapters/asr-whisper.js";
import type { JobEvent, ModelHandle } from "../../models/contract.js";
import { systemClock, type Clock } from "../../shared/clock.js";
import { InputError, isAppError } from "../../shared/errors.js";
import { planSpeech } from "./speech-text.js";

/** Cleans recognised text (punctuation, casing, obvious mis-hearings); the chat model implements it. */
export interface TextNormalizer {
  normalize(text: string, kind: "ocr" | "asr", lang: string): Promise<string>;
}

export interface SpeechServiceOptions {
  asr: ModelHandle<AsrInput, AsrResult>;
  /** Neural voices by language code ("ru", "en"); a language without one is spoken by espeak-ng. */
  voices: Readonly<Partial<Record<string, ModelHandle<string, Pcm>>>>;
  normalizer?: TextNormalizer;
  logger: Logger;
  /** FFMPEG_PATH. Default "ffmpeg". */
  ffmpegPath?: string;
  /** Default: ffprobe next to `ffmpegPath`. */
  ffprobePath?: string;
  /** ESPEAK_PATH. Default "espeak-ng". */
  espeakPath?: string;
  /** ASR_LANGUAGE: "auto" to detect, or a code to force. Default "auto". */
  asrLanguage?: string;
  /**
   * Languages auto-detection may pick (e.g. ["ru", "en"] for a bot whose users speak
   * those): a mumbled Russian note is then never transcribed as Ukrainian or Bulgarian.
   * Default: any language Whisper knows.
   */
  asrLanguages?: readonly string[];
  /** ASR_MAX_SECONDS. Default 600. */
  asrMaxSeconds?: number;
  /** TTS_MAX_CHARS. Default 1000. */
  ttsMaxChars?: number;
  /** Language of text without letters (e.g. "42"). Default "ru". */
  ttsDefaultLang?: string;
  /** Folder for non-streamable input while ffmpeg reads it. Default: the OS temp dir. */
  tempDir?: string;
  /** Time limit per ffmpeg/espeak-ng invocation. */
  toolTimeoutMs?: number;
  /** Process seam, for tests. */
  runner?: ToolRunner;
  clock?: Clock;
}

export interface TranscribeOptions {
  /** For logs only: the format is sniffed from the bytes. */
  fileName?: string;
  mimeType?: string;
  signal?: AbortSignal;
  onEvent?: (event: JobEvent) => void;
  /** Run the normalizer over the transcript (when one is configured). */
  normalize?: boolean;
}

export interface Transcription {
  text: string;
  /** The transcript before normalization; equal to `text` when none ran. */
  rawText: string;
  normalized: boolean;
  language: string;
  durationS: number;
  decodeMs: number;
  windows: AsrWindowTiming[];
}

export interface SynthesizeOptions {
  /** Language for text without letters; letters pick the voice by script. */
  lang?: string;
  /** "espeak" skips the neural voices (the user prefers the fast, robotic one). Default "auto". */
  engine?: "auto" | "espeak";
  signal?: AbortSignal;
  onEvent?: (event: JobEvent) => void;
}

export interface Synthesis {
  /** OGG/Opus, 48 kHz mono: send with sendVoice. */
  ogg: Buffer;
  durationS: number;
  /** "vits" when every piece had a neural voice, "espeak" when any fell back. */
  engine: "vits" | "espeak";
  /** The voices used, in order of first use, e.g. ["vits:ru", "espeak:en"]. */
  voices: string[];
}

/** Silence between sentences. */
const SENTENCE_PAUSE_MS = 250;
/** Longest piece of text given to a voice at once; VITS memory grows with input length. */
const MAX_SEGMENT_CHARS = 300;

export class SpeechService {
  private readonly ffmpeg: Ffmpeg;
  private readonly espeak: Espeak;
  private readonly options: SpeechServiceOptions;
  private readonly clock: Clock;

  constructor(options: SpeechServiceOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    const tool = { timeoutMs: options.toolTimeoutMs, runner: options.runner };
    this.ffmpeg = new Ffmpeg({
      ...tool,
      ffmpegPath: options.ffmpegPath,
      ffprobePath: options.ffprobePath,
    });
    this.espeak = new Espeak({ ...tool, espeakPath: options.espeakPath });
  }

  /**
   * Verifies that ffmpeg, ffprobe and espeak-ng run, for startup and health checks:
   * throws the `ToolError` of the first that doesn't ("tool.missing" names what to install).
   */
  async checkTools(signal?: AbortSignal): Promise<void> {
    await this.ffmpeg.check(signal);
    await this.espeak.check(signal);
  }

  /** Transcribes any audio or video Telegram delivers. */
  async transcribe(bytes: Uint8Array, options: TranscribeOptions = {}): Promise<Transcription> {
    const { logger, asrLanguage = "auto", asrMaxSeconds = 600 } = this.options;
    const { signal, onEvent } = options;
    const started = this.clock.now();
    const samples = await decodeAudio(this.ffmpeg, bytes, {
      maxSeconds: asrMaxSeconds,
      signal,
      tempDir: this.options.tempDir,
    });
    const decodeMs = this.clock.now() - started;
    const input: AsrInput = {
      samples,
      language: asrLanguage,
      candidates: this.options.asrLanguages,
    };
    const result = await this.options.asr.run(input, { signal, onEvent });
    logger.info(
      {
        fileName: options.fileName,
        mimeType: options.mimeType,
        bytes: bytes.length,
        durationS: result.durationS,
        decodeMs,
        windows: result.windows.length,
        language: result.language,
      },
      "audio transcribed",
    );
    const transcription: Transcription = {
      text: result.text,
      rawText: result.text,
      normalized: false,
      language: result.language,
      durationS: result.durationS,
      decodeMs,
      windows: result.windows,
    };
    if (!options.normalize || !this.options.normalizer || !result.text) return transcription;
    try {
      const text = await this.options.normalizer.normalize(result.text, "asr", result.language);
      return { ...transcription, text, normalized: true };
    } catch (error) {
      // Normalization is polish: the raw transcript is still the answer. Cancellation isn't.
      if (signal?.aborted) throw error;
      logger.warn({ err: error }, "transcript normalization failed; returning the raw transcript");
      return transcription;
    }
  }

  /** Speaks `text` as a Telegram voice message. */
  async synthesize(text: string, options: SynthesizeOptions = {}): Promise<Synthesis> {
    const { ttsMaxChars = 1000, ttsDefaultLang = "ru" } = this.options;
    const trimmed = text.trim();
    if (trimmed.length > ttsMaxChars) {
      throw new InputError("tts.too_long", `the text is longer than ${ttsMaxChars} characters`, {
        maxChars: ttsMaxChars,
        length: trimmed.length,
      });
    }
    const segments = planSpeech(trimmed, {
      defaultLang: options.lang ?? ttsDefaultLang,
      maxSegmentChars: MAX_SEGMENT_CHARS,
    });
    if (segments.length === 0) throw new InputError("input.empty", "there is no text to speak");

    const unavailable = new Set<string>();
    const voices: string[] = [];
    const parts: { pcm: Pcm; pauseBefore: boolean }[] = [];
    for (const segment of segments) {
      const { pcm, voice } = await this.speak(segment.text, segment.lang, unavailable, options);
      if (!voices.includes(voice)) voices.push(voice);
      parts.push({ pcm, pauseBefore: segment.startsSentence });
    }
    // One rate for all: the highest present, so no voice loses bandwidth.
    const rate = Math.max(...parts.map((part) => part.pcm.sampleRate));
    const pieces = parts.flatMap(({ pcm, pauseBefore }) => [
      ...(pauseBefore ? [silence(SENTENCE_PAUSE_MS, rate)] : []),
      resample(pcm, rate),
    ]);
    const encoded = await encodeVoice(this.ffmpeg, concatPcm(pieces, rate), options.signal);
    return {
      ogg: encoded.data,
      durationS: encoded.durationS,
      engine: voices.every((voice) => voice.startsWith("vits:")) ? "vits" : "espeak",
      voices,
    };
  }

  /**
   * One segment with the language's neural voice, or espeak-ng when there is none or it
   * can't be loaded (then it isn't tried again for the rest of this text).
   */
  private async speak(
    text: string,
    lang: string,
    unavailable: Set<string>,
    options: SynthesizeOptions,
  ): Promise<{ pcm: Pcm; voice: string }> {
    const handle = options.engine === "espeak" ? undefined : this.options.voices[lang];
    if (handle && !unavailable.has(lang)) {
      try {
        const pcm = await handle.run(text, { signal: options.signal, onEvent: options.onEvent });
        return { pcm, voice: `vits:${lang}` };
      } catch (error) {
        if (!isUnavailableModel(error)) throw error;
        unavailable.add(lang);
        this.options.logger.warn(
          { err: error, lang },
          "neural voice unavailable; speaking with espeak-ng",
        );
      }
    }
    return {
      pcm: await this.espeak.synthesize(text, lang, options.signal),
      voice: `espeak:${lang}`,
    };
  }
}

/** Errors after which espeak-ng speaks instead: the voice can't be had, as opposed to a failed job. */
const UNAVAILABLE_VOICE_CODES: ReadonlySet<string> = new Set([
  "model.missing",
  "model.load_failed",
  "model.budget_exceeded",
]);

function isUnavailableModel(error: unknown): boolean {
  return isAppError(error) && UNAVAILABLE_VOICE_CODES.has(error.code);
}
