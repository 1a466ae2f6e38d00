/**
 * Real speech with known timing, made offline: espeak-ng sentences (Russian and English)
 * trimmed of espeak's own leading and trailing silence, joined by pauses, with optional
 * noise. Where speech is, in samples, is therefore known exactly. Used by the speech tests,
 * the end-to-end tests and `bench:speech`.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mulberry32 } from "../../bench/trace.js";

export const SAMPLE_RATE = 16_000;

export const ENGLISH_SENTENCES = [
  "The quick brown fox jumps over the lazy dog.",
  "Please send me the report before the meeting on Friday.",
  "It was raining all morning, so we stayed at home and read books.",
  "The train to the airport leaves every twenty minutes.",
  "Could you tell me where the nearest pharmacy is?",
  "We planted three apple trees in the garden last spring.",
];

export const RUSSIAN_SENTENCES = [
  "Съешь же ещё этих мягких французских булок, да выпей чаю.",
  "Завтра утром мы поедем на вокзал и купим билеты.",
  "В нашем городе открылась новая библиотека с большим читальным залом.",
  "Пожалуйста, перезвоните мне после обеда.",
  "Осенью в лесу много грибов и ягод.",
  "Поезд прибывает на третий путь через пять минут.",
];

/** A time span in samples, end exclusive. */
export interface SampleSpan {
  start: number;
  end: number;
}

/** Amplitude below which a sample counts as espeak's own silence when trimming. */
const TRIM_LEVEL = 0.004;

function pcmFromFile(bytes: Buffer): Float32Array {
  const raw = execFileSync(
    "ffmpeg",
    [
      "-hide_banner",
      "-loglevel",
      "error",
      "-i",
      "pipe:0",
      "-ac",
      "1",
      "-ar",
      "16000",
      "-f",
      "f32le",
      "pipe:1",
    ],
    { input: bytes, maxBuffer: 1 << 30 },
  );
  const aligned = new Uint8Array(raw.length - (raw.length % 4));
  aligned.set(raw.subarray(0, aligned.length));
  return new Float32Array(aligned.buffer);
}

const spokenCache = new Map<string, Float32Array>();

/** espeak-ng saying `text` in `voice` ("en", "ru") at 16 kHz, trimmed of leading and trailing silence. */
export function espeakPcm(text: string, voice: string): Float32Array {
  const key = `${voice}:${text}`;
  const cached = spokenCache.get(key);
  if (cached) return cached;
  const trimmed = trimmedSpeech(text, voice);
  spokenCache.set(key, trimmed);
  return trimmed;
}

function trimmedSpeech(text: string, voice: string): Float32Array {
  const samples = pcmFromFile(execFileSync("espeak-ng", ["-v", voice, "--stdout", text]));
  let start = 0;
  let end = samples.length;
  while (start < end && Math.abs(samples[start] ?? 0) < TRIM_LEVEL) start++;
  while (end > start && Math.abs(samples[end - 1] ?? 0) < TRIM_LEVEL) end--;
  return samples.slice(start, end);
}

export interface RecordingPlan {
  /** Speech pieces in order. */
  pieces: Float32Array[];
  /** Pause before each piece and after the last, in seconds (pieces.length + 1 values). */
  pausesS: number[];
  /** Peak amplitude of white noise over the whole recording; 0 for none. */
  noise?: number;
  seed?: number;
}

export interface Recording {
  samples: Float32Array;
  /** Where the speech is. */
  speech: SampleSpan[];
}

/** Joins speech pieces with pauses and adds noise: a recording whose speech spans are known. */
export function buildRecording(plan: RecordingPlan): Recording {
  const pauses = plan.pausesS.map((s) => Math.round(s * SAMPLE_RATE));
  const total =
    plan.pieces.reduce((sum, piece) => sum + piece.length, 0) + pauses.reduce((a, b) => a + b, 0);
  const samples = new Float32Array(total);
  const speech: SampleSpan[] = [];
  let at = 0;
  plan.pieces.forEach((piece, i) => {
    at += pauses[i] ?? 0;
    samples.set(piece, at);
    speech.push({ start: at, end: at + piece.length });
    at += piece.length;
  });
  const noise = plan.noise ?? 0;
  if (noise > 0) {
    const random = mulberry32(plan.seed ?? 1);
    for (let i = 0; i < samples.length; i++)
      samples[i] = (samples[i] ?? 0) + noise * (2 * random() - 1);
  }
  return { samples, speech };
}

/** Encodes 16 kHz mono PCM with ffmpeg, e.g. `encodePcm(pcm, "ogg", ["-c:a", "libopus"])`. */
export function encodePcm(
  samples: Float32Array,
  extension: string,
  outputArgs: string[] = [],
): Buffer {
  const dir = mkdtempSync(join(tmpdir(), "speech-audio-"));
  try {
    const input = join(dir, "in.f32");
    const output = join(dir, `out.${extension}`);
    writeFileSync(input, Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength));
    execFileSync("ffmpeg", [
      "-hide_banner",
      "-loglevel",
      "error",
      "-y",
      "-f",
      "f32le",
      "-ar",
      "16000",
      "-ac",
      "1",
      "-i",
      input,
      ...outputArgs,
      output,
    ]);
    return readFileSync(output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
