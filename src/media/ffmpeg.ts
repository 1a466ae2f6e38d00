/**
 * ffmpeg and ffprobe as tools: where they live, how long they may run, and how their
 * failures read. Audio decoding and encoding build on this (audio-decode.ts,
 * audio-encode.ts); the process itself is started through the {@link ToolRunner} seam.
 */
import { basename, dirname, join } from "node:path";
import {
  assertToolRuns,
  spawnTool,
  type ToolRequest,
  type ToolResult,
  type ToolRunner,
} from "./audio-process.js";

/** Plain options; the composition root fills them from config (FFMPEG_PATH, ...). */
export interface FfmpegOptions {
  /** The ffmpeg executable. Default "ffmpeg" (found on PATH). */
  ffmpegPath?: string;
  /** The ffprobe executable. Default: "ffprobe" next to `ffmpegPath`. */
  ffprobePath?: string;
  /** Per-invocation time limit. Default 120 s (ten minutes of audio decode in ~2 s). */
  timeoutMs?: number;
  /** Process seam, for tests. Default {@link spawnTool}. */
  runner?: ToolRunner;
}

const DEFAULT_TIMEOUT_MS = 120_000;
const INSTALL_HINT = "ffmpeg (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg)";

/** Stream facts ffprobe reports for a file. */
export interface ProbeResult {
  /** Whether the file has at least one audio stream. */
  hasAudio: boolean;
  /** Duration of the first audio stream (or of the container) in seconds, when known. */
  durationS?: number;
}

/** Runs ffmpeg/ffprobe with fixed paths and limits. */
export class Ffmpeg {
  readonly ffmpegPath: string;
  readonly ffprobePath: string;
  private readonly timeoutMs: number;
  private readonly runner: ToolRunner;

  constructor(options: FfmpegOptions = {}) {
    this.ffmpegPath = options.ffmpegPath ?? "ffmpeg";
    this.ffprobePath = options.ffprobePath ?? siblingProbe(this.ffmpegPath);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.runner = options.runner ?? spawnTool;
  }

  /** Runs ffmpeg quietly (`-nostdin` is implied by feeding stdin explicitly). */
  run(
    args: readonly string[],
    options: Pick<ToolRequest, "input" | "signal" | "niceness"> = {},
  ): Promise<ToolResult> {
    return this.runner({
      command: this.ffmpegPath,
      args: ["-hide_banner", "-loglevel", "error", ...args],
      timeoutMs: this.timeoutMs,
      installHint: INSTALL_HINT,
      ...options,
    });
  }

  /** Throws `ToolError` ("tool.missing" says what to install) unless ffmpeg and ffprobe run. */
  async check(signal?: AbortSignal): Promise<void> {
    for (const command of [this.ffmpegPath, this.ffprobePath]) {
      const request = {
        command,
        args: ["-version"],
        timeoutMs: this.timeoutMs,
        installHint: INSTALL_HINT,
      };
      await assertToolRuns(this.runner, { ...request, signal });
    }
  }

  /**
   * Probes a file. Returns undefined when ffprobe can't read it as media at all.
   */
  async probe(path: string, signal?: AbortSignal): Promise<ProbeResult | undefined> {
    const result = await this.runner({
      command: this.ffprobePath,
      args: [
        "-v",
        "error",
        "-show_entries",
        "format=duration:stream=codec_type,duration",
        "-of",
        "json",
        path,
      ],
      timeoutMs: this.timeoutMs,
      installHint: INSTALL_HINT,
      signal,
    });
    if (result.exitCode !== 0) return undefined;
    const parsed = JSON.parse(result.stdout.toString("utf8")) as {
      streams?: { codec_type?: string; duration?: string }[];
      format?: { duration?: string };
    };
    const audio = parsed.streams?.find((stream) => stream.codec_type === "audio");
    const duration = Number(audio?.duration ?? parsed.format?.duration);
    return {
      hasAudio: audio !== undefined,
      ...(Number.isFinite(duration) ? { durationS: duration } : {}),
    };
  }
}

function siblingProbe(ffmpegPath: string): string {
  const name = basename(ffmpegPath);
  if (!name.startsWith("ffmpeg")) return "ffprobe";
  const probe = "ffprobe" + name.slice("ffmpeg".length);
  return ffmpegPath.includes("/") ? join(dirname(ffmpegPath), probe) : probe;
}

/** The last lines of a tool's stderr, short enough for an error message. */
export function stderrTail(stderr: string, lines = 3): string {
  return stderr.split("\n").slice(-lines).join(" | ");
}
