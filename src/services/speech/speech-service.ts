/**
 * Voice in and voice out for the bot: any Telegram audio to text (Whisper), and text to
 * a Telegram voice message (MMS-TTS per language, espeak-ng when no neural voice is
 * available). Models are reached through `ModelHandle`s, so the manager's queue and
 * memory budget apply; tools and limits arrive as plain options from the composition root.
 * Long work is cut into pieces, one model job each, that re-enter the model's line: Whisper
 * hears one speech window per job, a voice speaks one sentence per job; the pieces of a job
 * of more than one are batch work.
 */
import type { Logger } from "pino";
import { decodeAudio, DECODE_SAMPLE_RATE } from "../../media/audio-decode.js";
import { encodeVoice, type SpeechFormat } from "../../media/audio-encode.js";
import { concatPcm, resample, silence, type Pcm } from "../../media/audio-pcm.js";
import type { ToolRunner } from "../../media/audio-process.js";
import { Espeak } from "../../media/espeak.js";
import { Ffmpeg } from "../../media/ffmpeg.js";
import { loudestWindow, windowAudio } from "../../models/adapters/asr-audio.js";
import type {
  AsrInput,
  AsrResult,
  AsrSegment,
  AsrWindowRequest,
  AsrWindowTiming,
  SampleRange,
} from "../../models/adapters/asr-whisper.js";
import type { VadInput, VadResult } from "../../models/adapters/vad-silero.js";
import {
  pieceClass,
  type JobEvent,
  type ModelHandle,
  type RunOptions,
  type Scheduling,
} from "../../models/contract.js";
import { cannotServe } from "../../models/kinds/index.js";
import { systemClock, type Clock } from "../../shared/clock.js";
import { InputError } from "../../shared/errors.js";
import { BACKGROUND_NICENESS } from "../../shared/priority.js";
import {
  collapseRepetition,
  DEFAULT_GUARD_SETTINGS,
  dropReason,
  type GuardSettings,
} from "./guards.js";
import { planSpeech } from "./speech-text.js";
import { vadInPieces } from "./vad-pieces.js";
import {
  DEFAULT_VAD_SETTINGS,
  DEFAULT_WINDOW_SETTINGS,
  heardSamples,
  planSpeechWindows,
  type SpeechWindow,
  type VadSettings,
} from "./speech-windows.js";

/** Cleans recognised text (punctuation, casing, obvious mis-hearings); the chat model implements it. */
export interface TextNormalizer {
  normalize(text: string, kind: "ocr" | "asr", lang: string, options?: RunOptions): Promise<string>;
}

export interface SpeechServiceOptions {
  asr: ModelHandle<AsrInput, AsrResult>;
  /** Voice activity detection, run before Whisper so silence is never sent to it. */
  vad: ModelHandle<VadInput, VadResult>;
  /** VAD_* settings. */
  vadSettings?: VadSettings;
  /** ASR_NO_SPEECH_THRESHOLD and the "little speech" level the guards apply below. */
  guardSettings?: GuardSettings;
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

export interface TranscribeOptions extends Scheduling {
  /** For logs only: the format is sniffed from the bytes. */
  fileName?: string;
  mimeType?: string;
  signal?: AbortSignal;
  onEvent?: (event: JobEvent) => void;
  /** How far recognition got: seconds of the recording heard so far, of `totalS`. */
  onHeard?: (heardS: number, totalS: number) => void;
  /** Run the normalizer over the transcript (when one is configured). */
  normalize?: boolean;
  /** The recording's language when the caller knows it ("ru", "en"): ASR_LANGUAGE for this one. */
  language?: string;
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
  /** The recognised windows with their times in the recording, in order. */
  segments: AsrSegment[];
  /** Seconds of the recording sent to Whisper (the rest is silence the VAD skipped). */
  heardS: number;
}

/** A transcript segment as the guards left it, or why they dropped it. */
interface ScreenedSegment {
  segment: AsrSegment;
  dropped?: string;
  looped: boolean;
}

export interface SynthesizeOptions extends Scheduling {
  /** Language for text without letters; letters pick the voice by script. */
  lang?: string;
  /** "espeak" skips the neural voices (the user prefers the fast, robotic one). Default "auto". */
  engine?: "auto" | "espeak";
  /** Default "opus": OGG/Opus, 48 kHz mono, what Telegram's sendVoice takes. */
  format?: SpeechFormat;
  /** Playback speed, 0.25 to 4. Default 1. */
  speed?: number;
  signal?: AbortSignal;
  onEvent?: (event: JobEvent) => void;
}

export interface Synthesis {
  /** The speech in the asked format (OGG/Opus by default). */
  audio: Buffer;
  /** Samples per second of `audio`: the highest of the voices used, 48 kHz for Opus. */
  sampleRate: number;
  durationS: number;
  /** "vits" when every piece had a neural voice, "espeak" when any fell back. */
  engine: "vits" | "espeak";
  /** The voices used, in order of first use, e.g. ["vits:ru", "espeak:en"]. */
  voices: string[];
}

function asrWindow(window: SpeechWindow): AsrWindowRequest {
  return {
    startSample: window.start,
    endSample: window.end,
    pieces: window.pieces.map((piece) => ({ startSample: piece.start, endSample: piece.end })),
  };
}

/**
 * The ASR input of one window heard on its own: only its part of the recording travels (a
 * worker gets seconds, not the whole file), with the window's positions made relative to it.
 */
function windowInput(
  samples: Float32Array,
  window: AsrWindowRequest,
): Pick<AsrInput, "samples" | "windows"> {
  const shift = (range: SampleRange): SampleRange => ({
    startSample: range.startSample - window.startSample,
    endSample: range.endSample - window.startSample,
  });
  return {
    samples: samples.subarray(window.startSample, window.endSample),
    windows: [{ ...window, ...shift(window), pieces: window.pieces?.map(shift) }],
  };
}

/** What Whisper heard in a recording's windows, with their times in the whole recording. */
interface Heard {
  language: string;
  segments: AsrSegment[];
  windows: AsrWindowTiming[];
}

function noSpeech(durationS: number): InputError {
  return new InputError("audio.no_speech", "the recording holds no speech", {
    durationS: Math.round(durationS),
  });
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

  /**
   * Transcribes any audio or video Telegram delivers: the VAD finds the speech, Whisper
   * hears only those windows, and the guards drop what it invents. Throws InputError
   * "audio.no_speech" when nothing is left.
   */
  async transcribe(bytes: Uint8Array, options: TranscribeOptions = {}): Promise<Transcription> {
    const { logger, asrMaxSeconds = 600 } = this.options;
    const { signal, onEvent, owner } = options;
    const started = this.clock.now();
    const samples = await decodeAudio(this.ffmpeg, bytes, {
      maxSeconds: asrMaxSeconds,
      signal,
      tempDir: this.options.tempDir,
      // Like the VAD and Whisper threads after it: at the main thread's priority, ten
      // 3-minute recordings decoding at once took 0.7 of the 2 cores from a crowd's answers.
      niceness: BACKGROUND_NICENESS,
    });
    const decodeMs = this.clock.now() - started;
    const totalS = samples.length / DECODE_SAMPLE_RATE;
    const vad = await vadInPieces(this.options.vad, samples, {
      signal,
      onEvent,
      owner,
      ...(options.workClass ? { workClass: options.workClass } : {}),
    });
    const windows = planSpeechWindows(
      { ...vad, totalSamples: samples.length },
      this.options.vadSettings ?? DEFAULT_VAD_SETTINGS,
      DEFAULT_WINDOW_SETTINGS,
    );
    const heardS = windows.reduce((sum, w) => sum + heardSamples(w), 0) / DECODE_SAMPLE_RATE;
    if (windows.length === 0) throw noSpeech(totalS);
    const guards = this.options.guardSettings ?? DEFAULT_GUARD_SETTINGS;
    const jobs: RunOptions = {
      signal,
      onEvent,
      owner,
      workClass: pieceClass(windows.length, options.workClass),
    };
    const requests = windows.map((window) => ({
      ...asrWindow(window),
      checkNoSpeech: window.speech < guards.littleSpeech,
    }));
    const result = await this.hear(samples, requests, jobs, options.language, (heard) =>
      options.onHeard?.(heard, totalS),
    );
    const screened: ScreenedSegment[] = [];
    for (const [index, segment] of result.segments.entries()) {
      const window = windows[index];
      if (!window) continue;
      screened.push(await this.screen(segment, window, result.language, samples, jobs));
    }
    const segments = screened.flatMap((s) => (s.dropped || !s.segment.text ? [] : [s.segment]));
    const text = segments.map((segment) => segment.text).join(" ");
    logger.info(
      {
        fileName: options.fileName,
        mimeType: options.mimeType,
        bytes: bytes.length,
        durationS: totalS,
        heardS: Math.round(heardS * 10) / 10,
        decodeMs,
        windows: result.windows.length,
        looped: screened.filter((s) => s.looped).length,
        dropped: screened.filter((s) => s.dropped).map((s) => s.dropped),
        segments: segments.map((segment) => [segment.startS, segment.endS]),
        language: result.language,
      },
      "audio transcribed",
    );
    if (!text) throw noSpeech(totalS);
    const transcription: Transcription = {
      text,
      rawText: text,
      normalized: false,
      language: result.language,
      durationS: totalS,
      decodeMs,
      windows: result.windows,
      segments,
      heardS,
    };
    if (!options.normalize || !this.options.normalizer) return transcription;
    try {
      const normalized = await this.options.normalizer.normalize(
        text,
        "asr",
        result.language,
        jobs,
      );
      return { ...transcription, text: normalized, normalized: true };
    } catch (error) {
      // Normalization is polish: the raw transcript is still the answer. Cancellation isn't.
      if (signal?.aborted) throw error;
      logger.warn({ err: error }, "transcript normalization failed; returning the raw transcript");
      return transcription;
    }
  }

  /**
   * Whisper hears the windows one job each, in order, so that a long recording is pieces in
   * the ASR model's line (a window is already up to 30 s of speech, packed so that no two
   * neighbours fit 30 s together). The outcome is the one a single job over all windows
   * gave: in auto mode that job detected the language once, on the loudest window of the
   * recording, and decoded every window in it; here the first job detects it on that same
   * window's audio and the others are told the language it found.
   */
  private async hear(
    samples: Float32Array,
    requests: readonly AsrWindowRequest[],
    jobs: RunOptions,
    forced: string | undefined,
    onHeard: (heardS: number) => void,
  ): Promise<Heard> {
    let language = forced ?? this.options.asrLanguage ?? "auto";
    const languageAudio =
      language === "auto" && requests.length > 1
        ? windowAudio(samples, requests[loudestWindow(samples, requests)]!)
        : undefined;
    const heard: Heard = { language, segments: [], windows: [] };
    for (const request of requests) {
      const result = await this.options.asr.run(
        {
          ...windowInput(samples, request),
          language,
          candidates: this.options.asrLanguages,
          ...(language === "auto" && languageAudio ? { languageAudio } : {}),
        },
        jobs,
      );
      // "unknown": nothing was detected, and the next job tries on the same audio again.
      if (result.language !== "unknown") language = result.language;
      heard.language = result.language;
      const place = {
        startS: request.startSample / DECODE_SAMPLE_RATE,
        endS: request.endSample / DECODE_SAMPLE_RATE,
      };
      heard.segments.push(...result.segments.map((segment) => ({ ...segment, ...place })));
      heard.windows.push(...result.windows.map((timing) => ({ ...timing, ...place })));
      onHeard(place.endS);
    }
    return heard;
  }

  /**
   * Applies the guards to one window's text. A looping window is heard once more with
   * sampling; if that loops too, the first occurrence of the loop is kept.
   */
  private async screen(
    segment: AsrSegment,
    window: SpeechWindow,
    language: string,
    samples: Float32Array,
    jobs: RunOptions,
  ): Promise<ScreenedSegment> {
    const guards = this.options.guardSettings ?? DEFAULT_GUARD_SETTINGS;
    let text = segment.text;
    const loop = collapseRepetition(text);
    if (loop.looped) {
      const retry = await this.options.asr.run(
        {
          ...windowInput(samples, asrWindow(window)),
          language: language === "unknown" ? "auto" : language,
          candidates: this.options.asrLanguages,
          sampling: true,
        },
        jobs,
      );
      const again = retry.segments[0]?.text ?? "";
      text = collapseRepetition(again).looped || !again ? loop.text : again;
    }
    const checked = { ...segment, text };
    const dropped = dropReason({ ...checked, speech: window.speech }, guards);
    return { segment: checked, looped: loop.looped, ...(dropped ? { dropped } : {}) };
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
    const jobs: RunOptions = {
      signal: options.signal,
      onEvent: options.onEvent,
      owner: options.owner,
      workClass: pieceClass(segments.length, options.workClass),
    };
    for (const segment of segments) {
      const { pcm, voice } = await this.speak(segment.text, segment.lang, unavailable, {
        engine: options.engine,
        jobs,
      });
      if (!voices.includes(voice)) voices.push(voice);
      parts.push({ pcm, pauseBefore: segment.startsSentence });
    }
    // One rate for all: the highest present, so no voice loses bandwidth.
    const rate = Math.max(...parts.map((part) => part.pcm.sampleRate));
    const pieces = parts.flatMap(({ pcm, pauseBefore }) => [
      ...(pauseBefore ? [silence(SENTENCE_PAUSE_MS, rate)] : []),
      resample(pcm, rate),
    ]);
    const encoded = await encodeVoice(this.ffmpeg, concatPcm(pieces, rate), {
      ...(options.format ? { format: options.format } : {}),
      ...(options.speed ? { speed: options.speed } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return {
      audio: encoded.data,
      sampleRate: encoded.sampleRate,
      durationS: encoded.durationS,
      engine: voices.every((voice) => voice.startsWith("vits:")) ? "vits" : "espeak",
      voices,
    };
  }

  /**
   * One segment with the language's neural voice, or espeak-ng when there is none or it
   * can't serve (see `cannotServe`: not installed, can't load or fit, no worker runs it);
   * then it isn't tried again for the rest of this text.
   */
  private async speak(
    text: string,
    lang: string,
    unavailable: Set<string>,
    options: { engine: SynthesizeOptions["engine"]; jobs: RunOptions },
  ): Promise<{ pcm: Pcm; voice: string }> {
    const handle = options.engine === "espeak" ? undefined : this.options.voices[lang];
    if (handle && !unavailable.has(lang)) {
      try {
        const pcm = await handle.run(text, options.jobs);
        return { pcm, voice: `vits:${lang}` };
      } catch (error) {
        if (!cannotServe(error)) throw error;
        unavailable.add(lang);
        this.options.logger.warn(
          { err: error, lang },
          "neural voice unavailable; speaking with espeak-ng",
        );
      }
    }
    return {
      pcm: await this.espeak.synthesize(text, lang, options.jobs.signal),
      voice: `espeak:${lang}`,
    };
  }
}
