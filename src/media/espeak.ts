/**
 * espeak-ng, the formant synthesizer every Linux distribution packages: the voice of last
 * resort when no neural voice exists for a language or the neural model can't load.
 * It runs as a separate process (it is GPL-3; nothing is linked).
 */
import { ToolError } from "../shared/errors.js";
import { parseWav, type Pcm } from "./audio-pcm.js";
import { assertToolRuns, spawnTool, type ToolRunner } from "./audio-process.js";
import { stderrTail } from "./ffmpeg.js";

export interface EspeakOptions {
  /** The espeak-ng executable (ESPEAK_PATH). Default "espeak-ng". */
  espeakPath?: string;
  /** Per-invocation time limit. Default 30 s. */
  timeoutMs?: number;
  /** Process seam, for tests. Default {@link spawnTool}. */
  runner?: ToolRunner;
}

const INSTALL_HINT =
  "espeak-ng (Debian/Ubuntu: apt-get install espeak-ng; macOS: brew install espeak-ng)";

/** espeak-ng voice names for the languages whose default voice isn't the bare code. */
const VOICES: Readonly<Record<string, string>> = { en: "en-us" };

/** Synthesizes speech with espeak-ng; its WAV output (22.05 kHz) is returned as PCM. */
export class Espeak {
  private readonly espeakPath: string;
  private readonly timeoutMs: number;
  private readonly runner: ToolRunner;

  constructor(options: EspeakOptions = {}) {
    this.espeakPath = options.espeakPath ?? "espeak-ng";
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.runner = options.runner ?? spawnTool;
  }

  /** Throws `ToolError` ("tool.missing" says what to install) unless espeak-ng runs. */
  check(signal?: AbortSignal): Promise<void> {
    return assertToolRuns(this.runner, {
      command: this.espeakPath,
      args: ["--version"],
      timeoutMs: this.timeoutMs,
      installHint: INSTALL_HINT,
      signal,
    });
  }

  /** Speaks `text` in `lang` (an ISO 639-1 code such as "ru" or "en"). */
  async synthesize(text: string, lang: string, signal?: AbortSignal): Promise<Pcm> {
    // Text goes through stdin, never argv: it may start with "-" or be long.
    const result = await this.runner({
      command: this.espeakPath,
      args: ["-v", VOICES[lang] ?? lang, "-b", "1", "--stdin", "--stdout"],
      input: Buffer.from(text, "utf8"),
      timeoutMs: this.timeoutMs,
      installHint: INSTALL_HINT,
      signal,
    });
    const pcm = result.exitCode === 0 ? parseWav(result.stdout) : undefined;
    if (!pcm) {
      throw new ToolError(
        "tool.failed",
        `espeak-ng failed for voice "${lang}": ${stderrTail(result.stderr)}`,
        {
          tool: this.espeakPath,
          lang,
        },
      );
    }
    return pcm;
  }
}
