/**
 * Any audio or video Telegram delivers (voice notes, audio files, video notes, videos)
 * to 16 kHz mono Float32 PCM, the input Whisper expects. Bad input becomes a typed
 * `InputError`: "audio.empty", "audio.corrupt", "audio.too_long" or, for silence,
 * "audio.no_speech".
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InputError } from "../shared/errors.js";
import { isPipeDecodable, sniffAudioContainer } from "./audio-format.js";
import { isSilent } from "./audio-pcm.js";
import type { ToolResult } from "./audio-process.js";
import { stderrTail, type Ffmpeg } from "./ffmpeg.js";

/** The sample rate of decoded audio (Whisper's). */
export const DECODE_SAMPLE_RATE = 16_000;

export interface DecodeOptions {
  /** Longer input is refused with "audio.too_long" (ASR_MAX_SECONDS). */
  maxSeconds: number;
  signal?: AbortSignal;
  /** Where non-streamable input is written for ffmpeg to seek in. Default: the OS temp dir. */
  tempDir?: string;
  /** ffmpeg's CPU priority, this much below the bot's (see `ToolRequest.niceness`). */
  niceness?: number;
}

/**
 * Codec padding that ffmpeg 5 leaves at the end of AAC in MP4 (the edit list trims the
 * start, not the tail) is at most two 1024-sample frames; decoded audio longer than the
 * container's duration by up to this much is cut back to it.
 */
const MAX_TAIL_PADDING_S = 0.1;

/**
 * Decodes `bytes` to 16 kHz mono PCM. OGG, WAV and FLAC stream through a pipe; MP4/M4A/MOV,
 * MP3 and anything unrecognised go through a temp file (MP4 may keep its index at the end,
 * MP3's gapless trim needs seeking), which is always removed afterwards.
 */
export async function decodeAudio(
  ffmpeg: Ffmpeg,
  bytes: Uint8Array,
  options: DecodeOptions,
): Promise<Float32Array> {
  if (bytes.length === 0) throw new InputError("audio.empty", "the audio file is empty (0 bytes)");
  const container = sniffAudioContainer(bytes);
  const samples = isPipeDecodable(container)
    ? await decodeFromPipe(ffmpeg, bytes, options)
    : await decodeFromTempFile(ffmpeg, bytes, options);
  if (samples.length > options.maxSeconds * DECODE_SAMPLE_RATE) throw tooLong(options.maxSeconds);
  if (samples.length === 0) {
    throw new InputError("audio.empty", "the audio contains no sound", { container });
  }
  // Digital silence: there is sound, and certainly no speech in it.
  if (isSilent(samples)) {
    throw new InputError("audio.no_speech", "the audio is silent", { container });
  }
  return samples;
}

async function decodeFromPipe(
  ffmpeg: Ffmpeg,
  bytes: Uint8Array,
  options: DecodeOptions,
): Promise<Float32Array> {
  const result = await ffmpeg.run(decodeArgs("pipe:0", options.maxSeconds), {
    input: bytes,
    signal: options.signal,
    niceness: options.niceness,
  });
  return samplesOf(result);
}

async function decodeFromTempFile(
  ffmpeg: Ffmpeg,
  bytes: Uint8Array,
  options: DecodeOptions,
): Promise<Float32Array> {
  const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), "speech-decode-"));
  try {
    const path = join(dir, "input");
    await writeFile(path, bytes);
    // Probing first is cheap (the header only) and refuses what shouldn't be decoded.
    const probe = await ffmpeg.probe(path, options.signal);
    if (!probe)
      throw new InputError("audio.corrupt", "the file is not a readable audio or video file");
    if (!probe.hasAudio) throw new InputError("audio.empty", "the file has no audio stream");
    if (probe.durationS !== undefined && probe.durationS > options.maxSeconds) {
      throw tooLong(options.maxSeconds, probe.durationS);
    }
    const samples = samplesOf(
      await ffmpeg.run(decodeArgs(path, options.maxSeconds), {
        signal: options.signal,
        niceness: options.niceness,
      }),
    );
    if (probe.durationS === undefined) return samples;
    const expected = Math.round(probe.durationS * DECODE_SAMPLE_RATE);
    const excess = samples.length - expected;
    return excess > 0 && excess <= MAX_TAIL_PADDING_S * DECODE_SAMPLE_RATE
      ? samples.subarray(0, expected)
      : samples;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function decodeArgs(input: string, maxSeconds: number): string[] {
  // Decoding stops one second past the limit: enough to know the input is too long
  // without decoding (and holding) hours of audio.
  const limit = String(maxSeconds + 1);
  return [
    "-i",
    input,
    "-t",
    limit,
    "-vn",
    "-ac",
    "1",
    "-ar",
    String(DECODE_SAMPLE_RATE),
    "-f",
    "f32le",
    "pipe:1",
  ];
}

function samplesOf(result: ToolResult): Float32Array {
  if (result.exitCode !== 0) {
    // No audio stream, or a container that ends before its first audio packet (a 0 s
    // voice note): there is nothing to hear, which is not the same as unreadable.
    if (/does not contain any stream|matches no streams|: End of file$/m.test(result.stderr)) {
      throw new InputError("audio.empty", "the file has no audio stream");
    }
    throw new InputError(
      "audio.corrupt",
      `ffmpeg could not decode the audio: ${stderrTail(result.stderr)}`,
      {
        exitCode: result.exitCode ?? -1,
      },
    );
  }
  // Copy into a fresh, 4-byte-aligned buffer; stdout's Buffer may sit at any offset.
  const bytes = new Uint8Array(result.stdout.length - (result.stdout.length % 4));
  bytes.set(result.stdout.subarray(0, bytes.length));
  return new Float32Array(bytes.buffer);
}

function tooLong(maxSeconds: number, durationS?: number): InputError {
  return new InputError("audio.too_long", `the audio is longer than ${maxSeconds} s`, {
    maxSeconds,
    ...(durationS !== undefined ? { durationS: Math.round(durationS) } : {}),
  });
}
