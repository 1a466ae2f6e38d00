/** Test support: real audio made by ffmpeg itself, and ffprobe's view of a file. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Renders an ffmpeg lavfi graph into a file with the given output arguments; returns its bytes. */
export function makeMedia(inputs: string[], outputArgs: string[], extension: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), "speech-test-"));
  try {
    const path = join(dir, `out.${extension}`);
    const lavfi = inputs.flatMap((graph) => ["-f", "lavfi", "-i", graph]);
    execFileSync("ffmpeg", [
      "-hide_banner",
      "-loglevel",
      "error",
      "-y",
      ...lavfi,
      ...outputArgs,
      path,
    ]);
    return readFileSync(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A `seconds`-long 440 Hz tone in the given container/codec. */
export function tone(seconds: number, extension: string, codecArgs: string[] = []): Buffer {
  return makeMedia([`sine=frequency=440:duration=${seconds}`], codecArgs, extension);
}

export interface ProbedStream {
  codec_name: string;
  channels: number;
  sample_rate: string;
  duration?: string;
}

/** ffprobe's first audio stream and container duration for `bytes`. */
export function probe(bytes: Buffer): { stream: ProbedStream; durationS: number } {
  const dir = mkdtempSync(join(tmpdir(), "speech-probe-"));
  try {
    const path = join(dir, "probe.bin");
    writeFileSync(path, bytes);
    const json = execFileSync("ffprobe", [
      "-v",
      "error",
      "-select_streams",
      "a:0",
      "-show_entries",
      "stream=codec_name,channels,sample_rate,duration:format=duration",
      "-of",
      "json",
      path,
    ]).toString();
    const parsed = JSON.parse(json) as { streams: ProbedStream[]; format: { duration: string } };
    const stream = parsed.streams[0];
    if (!stream) throw new Error("no audio stream");
    return { stream, durationS: Number(parsed.format.duration) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A sine tone as PCM. */
export function sine(
  seconds: number,
  sampleRate: number,
  frequency = 440,
  amplitude = 0.5,
): Float32Array {
  const samples = new Float32Array(Math.round(seconds * sampleRate));
  for (let i = 0; i < samples.length; i++)
    samples[i] = amplitude * Math.sin((2 * Math.PI * frequency * i) / sampleRate);
  return samples;
}
