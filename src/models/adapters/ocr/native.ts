/**
 * Debian's `tesseract` program (5.x) as an OCR engine: the image goes in on stdin, TSV comes
 * out on stdout, so paragraphs, lines and per-word confidences survive. On the bench's A4 pages
 * it reads about twice as fast as tesseract.js (README, `npm run bench:ocr`). Each page is one
 * process with one OpenMP thread: parallel jobs (OCR_WORKERS) use the cores, not one job.
 */
import { ModelError } from "../../../shared/errors.js";
import { BACKGROUND_NICENESS } from "../../../shared/priority.js";
import { spawnTool, type ToolRunner } from "../../../media/audio-process.js";
import type { WordLine } from "./layout.js";

export interface NativeTesseractOptions {
  /** The tesseract executable. Default "tesseract". */
  program?: string;
  /** Process seam. Default {@link spawnTool}. */
  runner?: ToolRunner;
  /** Per-page time limit. Default 120 s. */
  timeoutMs?: number;
}

const INSTALL_HINT =
  "tesseract-ocr (Debian/Ubuntu: apt-get install tesseract-ocr tesseract-ocr-rus)";
/** One thread per page: OpenMP threads of parallel pages would fight over the cores. */
const ENV = { OMP_THREAD_LIMIT: "1" };

export class NativeTesseract {
  private readonly program: string;
  private readonly runner: ToolRunner;
  private readonly timeoutMs: number;
  /** "tesseract 5.3.0 (native)", known after {@link probe}. */
  engine = "tesseract (native)";

  constructor(options: NativeTesseractOptions = {}) {
    this.program = options.program ?? "tesseract";
    this.runner = options.runner ?? spawnTool;
    this.timeoutMs = options.timeoutMs ?? 120_000;
  }

  /**
   * Checks that the program runs and has every language; returns its version. Throws
   * `ToolError` "tool.missing" when it isn't installed, `ModelError` naming what is missing.
   */
  async probe(langs: readonly string[], signal?: AbortSignal): Promise<string> {
    const run = (args: string[]) =>
      this.runner({
        command: this.program,
        args,
        timeoutMs: 10_000,
        installHint: INSTALL_HINT,
        ...(signal ? { signal } : {}),
      });
    const version = await run(["--version"]);
    const found = /tesseract\s+v?(\d+[\w.-]*)/i.exec(version.stdout.toString("utf8"));
    if (version.exitCode !== 0 || !found) {
      throw new ModelError(
        "model.load_failed",
        `${this.program} --version failed: ${version.stderr}`,
      );
    }
    const listed = await run(["--list-langs"]);
    const available = new Set(listed.stdout.toString("utf8").split(/\s+/));
    const missing = langs.filter((lang) => !available.has(lang));
    if (listed.exitCode !== 0 || missing.length > 0) {
      throw new ModelError(
        "model.missing",
        `${this.program} has no ${missing.join("+") || "languages"} data (apt-get install ` +
          `${missing.map((lang) => `tesseract-ocr-${lang}`).join(" ")})`,
        { langs: missing.join("+") },
      );
    }
    this.engine = `tesseract ${found[1]} (native)`;
    return found[1]!;
  }

  /** Reads `image` (PNG, JPEG, ...) with `langs`: its lines and words, in reading order. */
  async read(image: Uint8Array, langs: string, signal: AbortSignal): Promise<WordLine[]> {
    const result = await this.runner({
      command: this.program,
      // --psm 6 (one block of text), tesseract.js's default, not the program's automatic 3:
      // that cut "Line 1:" off the rest of its line into a column of its own on a plain page
      // (then read as Cyrillic "Ипе 1:") and drops isolated words; paragraphs come from
      // splitAtGaps either way. --dpi: PNGs carry no resolution and intake has already scaled
      // text to a normal size.
      args: ["stdin", "stdout", "-l", langs, "--psm", "6", "--dpi", "300"].concat([
        "-c",
        "tessedit_create_tsv=1",
        "-c",
        "tessedit_create_txt=0",
      ]),
      input: image,
      env: ENV,
      // Pages yield the cores to the bot: its answers are short and someone waits on them.
      niceness: BACKGROUND_NICENESS,
      timeoutMs: this.timeoutMs,
      installHint: INSTALL_HINT,
      signal,
    });
    if (result.exitCode !== 0) {
      throw new ModelError(
        "model.failed",
        `tesseract exited with ${result.exitCode}: ${result.stderr.slice(-500)}`,
      );
    }
    return parseTsv(result.stdout.toString("utf8"));
  }
}

/**
 * Tesseract's TSV (level, page, block, paragraph, line, word, left, top, width, height, conf,
 * text): its lines (level 4) with their words (level 5), in reading order.
 */
export function parseTsv(tsv: string): WordLine[] {
  const lines = new Map<string, WordLine>();
  for (const row of tsv.split("\n").slice(1)) {
    const cells = row.split("\t");
    if (cells.length < 12) continue;
    const [level, page, block, par, line, , left, top, width, height, conf] = cells.map(
      Number,
    ) as number[];
    const key = `${page}/${block}/${par}/${line}`;
    if (level === 4) {
      lines.set(key, {
        block: `${page}/${block}`,
        words: [],
        top: top!,
        bottom: top! + height!,
        rowHeight: height!,
      });
    }
    const text = cells.slice(11).join("\t").trim();
    if (level === 5 && text.length > 0) {
      lines.get(key)?.words.push({
        text,
        confidence: Math.max(0, conf!),
        x0: left!,
        y0: top!,
        x1: left! + width!,
        y1: top! + height!,
      });
    }
  }
  return [...lines.values()].filter((line) => line.words.length > 0);
}
