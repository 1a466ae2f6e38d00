/**
 * PCM to a Telegram voice message: OGG/Opus, 48 kHz mono, 32 kbit/s, tuned for speech.
 */
import { ToolError } from "../shared/errors.js";
import { pcmDurationS, type Pcm } from "./audio-pcm.js";
import { stderrTail, type Ffmpeg } from "./ffmpeg.js";

/** An encoded voice message. */
export interface EncodedVoice {
  /** OGG/Opus bytes, ready for sendVoice. */
  data: Buffer;
  durationS: number;
}

/** Encodes mono Float32 PCM at any rate; ffmpeg resamples to Opus's 48 kHz. */
export async function encodeVoice(
  ffmpeg: Ffmpeg,
  pcm: Pcm,
  signal?: AbortSignal,
): Promise<EncodedVoice> {
  const input = Buffer.from(pcm.samples.buffer, pcm.samples.byteOffset, pcm.samples.byteLength);
  const args = ["-f", "f32le", "-ar", String(pcm.sampleRate), "-ac", "1", "-i", "pipe:0"];
  args.push(
    "-c:a",
    "libopus",
    "-b:a",
    "32k",
    "-ar",
    "48000",
    "-ac",
    "1",
    "-application",
    "voip",
    "-f",
    "ogg",
    "pipe:1",
  );
  const result = await ffmpeg.run(args, { input, signal });
  if (result.exitCode !== 0 || result.stdout.length === 0) {
    throw new ToolError(
      "tool.failed",
      `ffmpeg could not encode OGG/Opus: ${stderrTail(result.stderr)}`,
      {
        tool: ffmpeg.ffmpegPath,
      },
    );
  }
  return { data: result.stdout, durationS: pcmDurationS(pcm) };
}
