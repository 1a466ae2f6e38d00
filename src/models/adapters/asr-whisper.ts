/**
 * Whisper speech recognition on transformers.js, for audio of any length.
 *
 * Whisper sees 30 s at a time (its feature extractor pads or cuts to 30 s; the reference
 * service cut 60 s chunks and silently lost seconds 30–60 of each). Long audio is run as
 * ≤ 30 s windows that overlap by a stride, and neighbouring transcripts are merged where
 * their words agree, so every second is heard once and overlapped words appear once.
 *
 * Why windows here instead of the pipeline's own `chunk_length_s`/`stride_length_s`:
 * the pipeline merges chunks by timestamp tokens, which fine-tuned and tiny models don't
 * always emit, and it reports nothing per chunk. Running each window ourselves gives
 * per-window timing, a cancellation point between windows, one language decision for the
 * whole file, and a merge that needs only the text.
 */
import { Tensor } from "@huggingface/transformers";
import type { Logger } from "pino";
import { systemClock, type Clock } from "../../shared/clock.js";
import { cancelledError } from "../../shared/errors.js";
import type { RuntimeSettings } from "../runtime/environment.js";
import type { DisposablePipeline, PipelineFactory } from "../runtime/pipeline.js";
import { toFloat32 } from "../runtime/tensor.js";
import {
  createTransformersModel,
  type TransformersModel,
  type TransformersModelSpecWithFallback,
} from "../runtime/transformers-model.js";
import { loudestWindow, windowAudio } from "./asr-audio.js";
import { whisperFeatures } from "./whisper-features.js";

/** Whisper's input rate. */
export const WHISPER_SAMPLE_RATE = 16_000;

/** A part of the input, in samples, end exclusive. */
export interface SampleRange {
  startSample: number;
  endSample: number;
}

/** A part of the input to hear on its own (the VAD's windows), in samples. */
export interface AsrWindowRequest extends SampleRange {
  /** Hear only these parts of [startSample, endSample), back to back (at most 30 s together). */
  pieces?: readonly SampleRange[];
  /** Also measure Whisper's no-speech probability for this window (one extra decoder step). */
  checkNoSpeech?: boolean;
}

/** What the ASR model is asked to do. */
export interface AsrInput {
  /** 16 kHz mono PCM. */
  samples: Float32Array;
  /** "auto" to detect, or a language code ("ru", "en", …) to force (ASR_LANGUAGE). */
  language: string;
  /** In auto mode, the languages detection may choose from (default: any Whisper knows). */
  candidates?: readonly string[];
  /**
   * In auto mode, the audio to detect the language on instead of the loudest of `windows`:
   * a recording heard in several jobs gives the first its loudest window's audio, so the
   * language is the one a single job over the whole recording would have found.
   */
  languageAudio?: Float32Array;
  /**
   * The windows to hear, in order, each at most 30 s; silence between them is skipped.
   * Default: the whole input in overlapping 30 s windows whose texts are merged.
   */
  windows?: readonly AsrWindowRequest[];
  /** Decode by sampling instead of greedily (a retry for a window that looped). */
  sampling?: boolean;
  /** Called after each window with the end of the audio heard so far, in seconds. */
  onWindow?: (heardS: number) => void;
}

/** One window's text with its place in the audio. */
export interface AsrSegment {
  startS: number;
  endS: number;
  text: string;
  /** Whisper's probability that the window holds no speech, when asked and the model has the token. */
  noSpeechProb?: number;
}

/** One window's place in the audio and how long recognising it took. */
export interface AsrWindowTiming {
  startS: number;
  endS: number;
  ms: number;
}

export interface AsrResult {
  text: string;
  /** The language used: the forced one, or the detected one in auto mode. */
  language: string;
  durationS: number;
  windows: AsrWindowTiming[];
  /** With explicit windows: one per window; otherwise one for the whole merged text. */
  segments: AsrSegment[];
}

/** Sampling settings of a retry: varied enough to leave a loop, tame enough to stay on topic. */
const SAMPLING = Object.freeze({ do_sample: true, temperature: 0.4, top_k: 0 });

/** A span of the input, in samples and seconds. */
export interface AudioWindow {
  startSample: number;
  endSample: number;
  startS: number;
  endS: number;
}

export interface WindowPlanOptions {
  /** Longest window; Whisper's receptive field is 30 s. */
  windowS: number;
  /** Overlap between neighbouring windows, long enough to re-hear a word cut at an edge. */
  strideS: number;
}

export const DEFAULT_WINDOW_PLAN: WindowPlanOptions = Object.freeze({ windowS: 30, strideS: 5 });

/**
 * Plans windows over `totalSamples`: each starts `windowS - strideS` after the previous
 * one, the last ends exactly at the end, so the union is the whole input and neighbours
 * overlap by `strideS` (the last may overlap more, never less).
 */
export function planWindows(
  totalSamples: number,
  sampleRate: number,
  options: WindowPlanOptions = DEFAULT_WINDOW_PLAN,
): AudioWindow[] {
  if (!(options.windowS > options.strideS && options.strideS >= 0)) {
    throw new RangeError(
      `planWindows: need windowS > strideS >= 0, got ${options.windowS}/${options.strideS}`,
    );
  }
  const window = Math.round(options.windowS * sampleRate);
  const step = window - Math.round(options.strideS * sampleRate);
  const windows: AudioWindow[] = [];
  for (let start = 0; start < totalSamples; start += step) {
    const end = Math.min(start + window, totalSamples);
    windows.push({
      startSample: start,
      endSample: end,
      startS: start / sampleRate,
      endS: end / sampleRate,
    });
    if (end === totalSamples) break;
  }
  return windows;
}

/** Longest overlap, in words, searched when merging neighbouring transcripts. */
const MAX_OVERLAP_WORDS = 64;

function wordKey(word: string): string {
  return word.toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");
}

/**
 * Joins the transcripts of two overlapping windows. The tail of `left` and the head of
 * `right` hear the same audio; every overlap length is tried, aligning `left`'s last i
 * words with `right`'s first i words, and the best-agreeing one wins (most matching
 * positions per word, longer on ties). The words at its edges are the least reliable
 * (cut mid-word at a window boundary), so the cut is made in its middle. With no
 * agreement the texts are simply joined: a repeated word is better than a lost one.
 */
export function mergeTranscripts(left: string, right: string): string {
  const leftWords = left.split(/\s+/).filter(Boolean);
  const rightWords = right.split(/\s+/).filter(Boolean);
  const leftKeys = leftWords.map(wordKey);
  const rightKeys = rightWords.map(wordKey);
  let best = { overlap: 0, score: 0 };
  const longest = Math.min(leftWords.length, rightWords.length, MAX_OVERLAP_WORDS);
  for (let overlap = 1; overlap <= longest; overlap++) {
    let matches = 0;
    for (let k = 0; k < overlap; k++) {
      const key = rightKeys[k];
      if (key && key === leftKeys[leftKeys.length - overlap + k]) matches++;
    }
    // A single matching word counts only when it is the whole overlap.
    if (matches < 2 && matches !== overlap) continue;
    const score = matches / overlap + overlap * 1e-4;
    if (score > best.score) best = { overlap, score };
  }
  if (best.overlap === 0) return [left.trim(), right.trim()].filter(Boolean).join(" ");
  const half = Math.floor(best.overlap / 2);
  return [
    ...leftWords.slice(0, leftWords.length - best.overlap + half),
    ...rightWords.slice(half),
  ].join(" ");
}

/** The parts of transformers.js's Whisper pipeline this adapter uses. */
export interface WhisperPipeline extends DisposablePipeline {
  (audio: Float32Array, options: Record<string, unknown>): Promise<unknown>;
  processor: ((audio: Float32Array) => Promise<{ input_features: Tensor }>) & {
    /** transformers.js's Whisper processor has one; test doubles may not. */
    feature_extractor?: { config: object };
  };
  tokenizer?: { model?: { tokens_to_ids?: Map<string, number> } };
  model: ((inputs: Record<string, unknown>) => Promise<{ logits: Tensor }>) & {
    generation_config: {
      decoder_start_token_id?: number;
      is_multilingual?: boolean | null;
      lang_to_id?: Record<string, number> | null;
    };
  };
}

/**
 * Whisper's scores for the first token after <|startoftranscript|>: one decoder step. The
 * likeliest language token there is the spoken language, and the probability of the
 * <|nospeech|> token is the model's no-speech probability (both as openai-whisper does;
 * transformers.js 4.3.1 has neither and would assume English).
 */
async function firstStepScores(
  pipe: WhisperPipeline,
  samples: Float32Array,
): Promise<Float32Array> {
  const start = pipe.model.generation_config.decoder_start_token_id ?? 0;
  const { input_features } = await pipe.processor(samples);
  const decoder_input_ids = new Tensor("int64", BigInt64Array.from([BigInt(start)]), [1, 1]);
  const { logits } = await pipe.model({ input_features, decoder_input_ids });
  const scores = toFloat32(logits);
  const vocab = logits.dims.at(-1) ?? scores.length;
  return scores.subarray(scores.length - vocab);
}

/** Detects the spoken language from one window, among `candidates` when given. */
export async function detectLanguage(
  pipe: WhisperPipeline,
  samples: Float32Array,
  candidates?: readonly string[],
): Promise<string | undefined> {
  const config = pipe.model.generation_config;
  const wanted = candidates?.length ? new Set(candidates.map((code) => `<|${code}|>`)) : undefined;
  const languages = Object.entries(config.lang_to_id ?? {}).filter(
    ([token]) => !wanted || wanted.has(token),
  );
  if (
    !config.is_multilingual ||
    config.decoder_start_token_id === undefined ||
    languages.length === 0
  ) {
    return undefined;
  }
  const last = await firstStepScores(pipe, samples);
  let bestToken: string | undefined;
  let bestScore = -Infinity;
  for (const [token, id] of languages) {
    const score = last[id] ?? -Infinity;
    if (score > bestScore) [bestToken, bestScore] = [token, score];
  }
  return bestToken?.match(/^<\|(.+)\|>$/)?.[1];
}

/**
 * Whisper's probability that `samples` hold no speech: the softmax of the <|nospeech|>
 * token (<|nocaptions|> in older models) after <|startoftranscript|>. Undefined when the
 * model has neither token.
 */
export async function noSpeechProbability(
  pipe: WhisperPipeline,
  samples: Float32Array,
): Promise<number | undefined> {
  const ids = pipe.tokenizer?.model?.tokens_to_ids;
  const token = ids?.get("<|nospeech|>") ?? ids?.get("<|nocaptions|>");
  if (token === undefined || pipe.model.generation_config.decoder_start_token_id === undefined) {
    return undefined;
  }
  const scores = await firstStepScores(pipe, samples);
  let max = -Infinity;
  for (const score of scores) if (score > max) max = score;
  let sum = 0;
  for (const score of scores) sum += Math.exp(score - max);
  return Math.exp((scores[token] ?? -Infinity) - max) / sum;
}

/** The windows to hear: the caller's, or the whole input in overlapping fixed windows. */
function windowsOf(
  input: AsrInput,
  plan: WindowPlanOptions,
): (AudioWindow & Pick<AsrWindowRequest, "pieces" | "checkNoSpeech">)[] {
  if (!input.windows) return planWindows(input.samples.length, WHISPER_SAMPLE_RATE, plan);
  return input.windows.map((window) => ({
    ...window,
    startS: window.startSample / WHISPER_SAMPLE_RATE,
    endS: window.endSample / WHISPER_SAMPLE_RATE,
  }));
}

type Features = Promise<{ input_features: Tensor }>;
const offloaded = new WeakSet<WhisperPipeline>();

/**
 * Makes `pipe.processor` compute Whisper's log-mel features in the feature worker (see
 * whisper-features.ts: on the main thread they stalled the whole bot), and hand the features
 * of an array out once more, to the next request for the same array, instead of computing
 * them again: language detection and the pipeline's transcription of the same window need
 * the same ones, and the pipeline computes its own from the samples it is given, through
 * its processor. Installed once per pipeline; cache entries die with their sample arrays.
 * A processor without an extractor configuration (not transformers.js's) runs in place.
 */
export function offloadFeatures(pipe: WhisperPipeline): void {
  if (offloaded.has(pipe)) return;
  offloaded.add(pipe);
  const computed = new WeakMap<Float32Array, Features>();
  pipe.processor = new Proxy(pipe.processor, {
    apply(target, thisArg, args: [Float32Array]): Features {
      const [audio] = args;
      const cached = computed.get(audio);
      computed.delete(audio);
      if (cached) return cached;
      const config = target.feature_extractor?.config;
      const features = config
        ? whisperFeatures
            .compute(config, audio)
            .then(({ data, dims }) => ({ input_features: new Tensor("float32", data, dims) }))
        : (Reflect.apply(target, thisArg, args) as Features);
      computed.set(audio, features);
      return features;
    },
  });
}

/** Recognises 16 kHz audio window by window with a loaded Whisper pipeline. */
export async function transcribeWithWhisper(
  pipe: WhisperPipeline,
  input: AsrInput,
  signal: AbortSignal,
  clock: Clock = systemClock,
  plan: WindowPlanOptions = DEFAULT_WINDOW_PLAN,
): Promise<AsrResult> {
  const windows = windowsOf(input, plan);
  // One array per window, so detection and transcription of a window share its features.
  const windowSamples = windows.map((window) => windowAudio(input.samples, window));
  offloadFeatures(pipe);
  const multilingual = Boolean(pipe.model.generation_config.is_multilingual);
  let language = input.language === "auto" ? undefined : input.language;
  if (multilingual && language === undefined) {
    // Detected once, on the loudest window (a leading pause says nothing about the
    // language), so the whole file is decoded in one language.
    const loudest = input.languageAudio ?? windowSamples[loudestWindow(input.samples, windows)];
    if (signal.aborted) throw cancelledError(signal.reason);
    if (loudest) language = await detectLanguage(pipe, loudest, input.candidates);
  }
  const options = {
    ...(multilingual && language ? { language, task: "transcribe" } : {}),
    ...(input.sampling ? SAMPLING : {}),
  };
  const timings: AsrWindowTiming[] = [];
  const segments: AsrSegment[] = [];
  let text = "";
  for (const [index, window] of windows.entries()) {
    if (signal.aborted) throw cancelledError(signal.reason);
    const samples = windowSamples[index]!;
    const started = clock.now();
    const output = (await pipe(samples, options)) as { text?: string };
    const heard = (output.text ?? "").trim();
    const noSpeechProb = window.checkNoSpeech
      ? await noSpeechProbability(pipe, samples)
      : undefined;
    timings.push({ startS: window.startS, endS: window.endS, ms: clock.now() - started });
    segments.push({
      startS: window.startS,
      endS: window.endS,
      text: heard,
      ...(noSpeechProb !== undefined ? { noSpeechProb } : {}),
    });
    text = input.windows ? [text, heard].filter(Boolean).join(" ") : mergeTranscripts(text, heard);
    input.onWindow?.(window.endS);
  }
  const durationS = input.samples.length / WHISPER_SAMPLE_RATE;
  return {
    text,
    language: language ?? (multilingual ? "unknown" : "en"),
    durationS,
    windows: timings,
    segments: input.windows ? segments : [{ startS: 0, endS: durationS, text }],
  };
}

export interface WhisperAsrOptions {
  /** Manager key. Default "asr". */
  id?: string;
  /** The catalogue entry; its `fallback` variant (if any) becomes the model's fallback. */
  spec: TransformersModelSpecWithFallback;
  runtime: RuntimeSettings;
  logger: Logger;
  clock?: Clock;
  windowPlan?: WindowPlanOptions;
  /** Test seam: how pipelines are built (default: transformers.js). */
  pipelineFactory?: PipelineFactory;
}

/** The ASR model the manager loads and unloads; run it through a `ModelHandle`. */
export function createWhisperAsr(
  options: WhisperAsrOptions,
): TransformersModel<AsrInput, AsrResult, WhisperPipeline> {
  const { clock = systemClock, windowPlan = DEFAULT_WINDOW_PLAN } = options;
  return createTransformersModel<AsrInput, AsrResult, WhisperPipeline>({
    id: options.id ?? "asr",
    task: "asr",
    spec: options.spec,
    runtime: options.runtime,
    logger: options.logger,
    ...(options.pipelineFactory ? { pipelineFactory: options.pipelineFactory } : {}),
    run: (pipe, input, signal) => transcribeWithWhisper(pipe, input, signal, clock, windowPlan),
  });
}
