/**
 * From the VAD's per-frame speech probabilities to the windows Whisper hears: speech spans
 * (hysteresis on the probability, short blips and short pauses ignored, a little padding),
 * overlong spans split at their quietest frame, and consecutive spans packed into windows
 * of at most `maxWindowS` of speech. Whisper's cost is per window (it always hears 30 s),
 * so packing is what saves time; the pauses between the spans of a window are cut out
 * (short ones are kept as the natural pause), so silence is never sent to Whisper.
 */

/** Thresholds of the speech detector (VAD_* settings). */
export interface VadSettings {
  /** A frame at or above this probability starts speech (VAD_THRESHOLD). */
  threshold: number;
  /** Speech shorter than this is a blip, not speech (VAD_MIN_SPEECH_MS). */
  minSpeechMs: number;
  /** A pause must last this long to end speech (VAD_MIN_SILENCE_MS). */
  minSilenceMs: number;
  /** Kept on both sides of each span, so soft word edges are not cut (VAD_SPEECH_PAD_MS). */
  speechPadMs: number;
}

export const DEFAULT_VAD_SETTINGS: VadSettings = Object.freeze({
  threshold: 0.5,
  minSpeechMs: 250,
  minSilenceMs: 300,
  speechPadMs: 0,
});

export interface WindowSettings {
  /** Longest window; Whisper hears 30 s at a time. */
  maxWindowS: number;
  /** A pause up to this long between two spans of a window is kept; longer ones are cut out. */
  mergeGapS: number;
}

export const DEFAULT_WINDOW_SETTINGS: WindowSettings = Object.freeze({
  maxWindowS: 30,
  mergeGapS: 1,
});

/** A part of the recording, in samples. */
export interface Span {
  start: number;
  end: number;
}

/** A window for Whisper: the pieces it hears back to back, and how sure the VAD is of speech. */
export interface SpeechWindow extends Span {
  /** The parts of the recording heard, in order, within [start, end). */
  pieces: Span[];
  /** Mean speech probability of the pieces' frames, 0..1. */
  speech: number;
}

/** The frame probabilities and how they map onto samples. */
export interface FrameProbabilities {
  probs: Float32Array;
  frameSamples: number;
  sampleRate: number;
  /** Samples in the recording (the last frame may be partial). */
  totalSamples: number;
}

/**
 * Speech spans, as Silero's reference `get_speech_timestamps` finds them: speech starts at a
 * frame at or above `threshold` and ends at the first frame of a pause (below
 * `threshold - 0.15`) that lasts `minSilenceMs`; spans shorter than `minSpeechMs` are
 * dropped; each is padded by `speechPadMs`, and spans that then touch are joined.
 */
export function speechSpans(frames: FrameProbabilities, settings: VadSettings): Span[] {
  const { probs, frameSamples, sampleRate, totalSamples } = frames;
  const perMs = sampleRate / 1000;
  const negThreshold = Math.max(settings.threshold - 0.15, 0.01);
  const minSilence = settings.minSilenceMs * perMs;
  const minSpeech = settings.minSpeechMs * perMs;
  const raw: Span[] = [];
  let start: number | undefined;
  let pauseStart: number | undefined;
  const close = (end: number) => {
    if (start !== undefined && end - start >= minSpeech) raw.push({ start, end });
    start = undefined;
    pauseStart = undefined;
  };
  for (let frame = 0; frame < probs.length; frame++) {
    const p = probs[frame] ?? 0;
    const at = frame * frameSamples;
    if (p >= settings.threshold) {
      pauseStart = undefined;
      start ??= at;
    } else if (start !== undefined && p < negThreshold) {
      pauseStart ??= at;
      if (at + frameSamples - pauseStart >= minSilence) close(pauseStart);
    }
  }
  close(pauseStart ?? totalSamples);

  const pad = settings.speechPadMs * perMs;
  const spans: Span[] = [];
  for (const span of raw) {
    const padded = {
      start: Math.max(0, span.start - pad),
      end: Math.min(totalSamples, span.end + pad),
    };
    const last = spans.at(-1);
    if (last && padded.start <= last.end) last.end = padded.end;
    else spans.push(padded);
  }
  return spans;
}

function frameRange(span: Span, frameSamples: number): [number, number] {
  return [Math.floor(span.start / frameSamples), Math.ceil(span.end / frameSamples)];
}

function meanProbability(frames: FrameProbabilities, spans: Span[]): number {
  let sum = 0;
  let count = 0;
  for (const span of spans) {
    const [first, last] = frameRange(span, frames.frameSamples);
    for (let i = first; i < last; i++) sum += frames.probs[i] ?? 0;
    count += Math.max(0, last - first);
  }
  return count > 0 ? sum / count : 0;
}

/** Samples a window sends to Whisper. */
export function heardSamples(window: SpeechWindow): number {
  return window.pieces.reduce((sum, piece) => sum + piece.end - piece.start, 0);
}

/**
 * Cuts a span longer than `maxSamples` at its quietest frame between half and all of the
 * allowed length, again and again, so every piece fits and none is needlessly short.
 */
export function splitLongSpan(span: Span, frames: FrameProbabilities, maxSamples: number): Span[] {
  const pieces: Span[] = [];
  let rest = { ...span };
  const fs = frames.frameSamples;
  while (rest.end - rest.start > maxSamples) {
    const from = Math.ceil((rest.start + maxSamples / 2) / fs);
    const to = Math.floor((rest.start + maxSamples) / fs);
    let cut = to;
    for (let frame = to; frame >= from; frame--) {
      if ((frames.probs[frame] ?? 0) < (frames.probs[cut] ?? 0)) cut = frame;
    }
    const at = Math.min(cut * fs, rest.start + maxSamples);
    pieces.push({ start: rest.start, end: at });
    rest = { start: at, end: rest.end };
  }
  pieces.push(rest);
  return pieces;
}

/** The windows Whisper should hear, in order; empty when the recording holds no speech. */
export function planSpeechWindows(
  frames: FrameProbabilities,
  vad: VadSettings = DEFAULT_VAD_SETTINGS,
  windows: WindowSettings = DEFAULT_WINDOW_SETTINGS,
): SpeechWindow[] {
  const maxSamples = Math.round(windows.maxWindowS * frames.sampleRate);
  const mergeGap = windows.mergeGapS * frames.sampleRate;
  const pieces = speechSpans(frames, vad).flatMap((span) =>
    splitLongSpan(span, frames, maxSamples),
  );
  // Pieces close together become one piece with their pause; then pieces are packed.
  const joined: Span[] = [];
  for (const piece of pieces) {
    const last = joined.at(-1);
    if (last && piece.start - last.end <= mergeGap && piece.end - last.start <= maxSamples) {
      last.end = piece.end;
    } else {
      joined.push({ ...piece });
    }
  }
  const packed: Span[][] = [];
  let current: Span[] = [];
  let length = 0;
  for (const piece of joined) {
    const size = piece.end - piece.start;
    if (current.length > 0 && length + size > maxSamples) {
      packed.push(current);
      current = [];
      length = 0;
    }
    current.push(piece);
    length += size;
  }
  if (current.length > 0) packed.push(current);
  return packed.map((group) => ({
    start: group[0]!.start,
    end: group.at(-1)!.end,
    pieces: group,
    speech: meanProbability(frames, group),
  }));
}
