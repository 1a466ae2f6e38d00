/**
 * PCM to a file a listener can play: OGG/Opus tuned for speech (a Telegram voice message,
 * 48 kHz mono, 32 kbit/s) by default, or MP3, WAV, FLAC or raw 16-bit PCM for HTTP clients.
 * Speech is produced as PCM once; every format is encoded from it, never decoded again.
 */
import { ToolError } from "../shared/errors.js";
import { pcmDurationS, type Pcm } from "./audio-pcm.js";
import { stderrTail, type Ffmpeg } from "./ffmpeg.js";

/** The containers speech can be written in; "pcm" is raw 16-bit little-endian mono. */
export const SPEECH_FORMATS = ["opus", "mp3", "wav", "flac", "pcm"] as const;
export type SpeechFormat = (typeof SPEECH_FORMATS)[number];

/** An encoded voice message. */
export interface EncodedVoice {
  /** The encoded bytes (OGG/Opus by default, ready for sendVoice). */
  data: Buffer;
  durationS: number;
  /** Samples per second of the bytes (what a reader of raw "pcm" needs to know). */
  sampleRate: number;
}

export interface EncodeOptions {
  /** Default "opus" (OGG/Opus). */
  format?: SpeechFormat;
  /** Playback speed, 0.25 to 4 (ffmpeg's atempo: the pitch stays). Default 1. */
  speed?: number;
  signal?: AbortSignal;
}

/** ffmpeg's output options per format (all mono). */
const OUTPUT_ARGS: Record<Exclude<SpeechFormat, "wav">, string[]> = {
  opus: ["-c:a", "libopus", "-b:a", "32k", "-ar", "48000", "-application", "voip", "-f", "ogg"],
  mp3: ["-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3"],
  flac: ["-c:a", "flac", "-f", "flac"],
  pcm: ["-c:a", "pcm_s16le", "-f", "s16le"],
};

/** Encodes mono Float32 PCM at any rate. */
export async function encodeVoice(
  ffmpeg: Ffmpeg,
  pcm: Pcm,
  options: EncodeOptions = {},
): Promise<EncodedVoice> {
  const { format = "opus", speed = 1, signal } = options;
  const input = Buffer.from(pcm.samples.buffer, pcm.samples.byteOffset, pcm.samples.byteLength);
  const args = ["-f", "f32le", "-ar", String(pcm.sampleRate), "-ac", "1", "-i", "pipe:0"];
  if (speed !== 1) args.push("-filter:a", atempoChain(speed));
  // WAV written to a pipe keeps placeholder sizes some readers refuse: raw PCM gets its header here.
  args.push("-ac", "1", ...OUTPUT_ARGS[format === "wav" ? "pcm" : format], "pipe:1");
  const result = await ffmpeg.run(args, { input, signal });
  if (result.exitCode !== 0 || result.stdout.length === 0) {
    throw new ToolError(
      "tool.failed",
      `ffmpeg could not encode ${format}: ${stderrTail(result.stderr)}`,
      { tool: ffmpeg.ffmpegPath },
    );
  }
  const sampleRate = format === "opus" ? 48_000 : pcm.sampleRate;
  return {
    data: format === "wav" ? withWavHeader(result.stdout, sampleRate) : result.stdout,
    durationS: pcmDurationS(pcm) / speed,
    sampleRate,
  };
}

/** atempo takes 0.5 to 100 per instance: slower speeds are a chain of halvings. */
export function atempoChain(speed: number): string {
  const steps: number[] = [];
  let rest = speed;
  while (rest < 0.5) {
    steps.push(0.5);
    rest /= 0.5;
  }
  steps.push(rest);
  return steps.map((step) => `atempo=${step}`).join(",");
}

/** A 44-byte RIFF/WAVE header in front of 16-bit mono PCM, with the real sizes. */
export function withWavHeader(pcm16: Buffer, sampleRate: number): Buffer {
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + pcm16.length, 4);
  header.write("WAVEfmt ", 8, "ascii");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36, "ascii");
  header.writeUInt32LE(pcm16.length, 40);
  return Buffer.concat([header, pcm16]);
}
