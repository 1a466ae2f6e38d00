/**
 * Debian's `tesseract` program (5.x) as an OCR engine: the image goes in on stdin, TSV comes
 * out on stdout, so paragraphs, lines and per-word confidences survive. On the bench's A4 pages
 * it reads about twice as fast as tesseract.js (README, `npm run bench:ocr`). Each page is one
 * process with one OpenMP thread: parallel jobs (OCR_WORKERS) use the cores, not one job.
 */
import { ModelError } from "../../../shared/errors.js";
import { spawnTool, type ToolRunner } from "../../../media/audio-process.js";
import { splitAtGaps, type PlacedLine } from "./layout.js";
import { fixLineText } from "./script-fix.js";
import { paragraphsToText, type OcrResult } from "./types.js";

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

  async recognize(
    image: Uint8Array,
    langs: readonly string[],
    signal: AbortSignal,
  ): Promise<OcrResult> {
    const result = await this.runner({
      command: this.program,
      // --dpi: PNGs carry no resolution and intake has already scaled text to a normal size.
      args: ["stdin", "stdout", "-l", langs.join("+"), "--psm", "3", "--dpi", "300"].concat([
        "-c",
        "tessedit_create_tsv=1",
        "-c",
        "tessedit_create_txt=0",
      ]),
      input: image,
      env: ENV,
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
    const { paragraphs, confidence } = parseTsv(result.stdout.toString("utf8"));
    return {
      text: paragraphsToText(paragraphs),
      confidence,
      paragraphs,
      engine: this.engine,
      langs: [...langs],
    };
  }
}

interface TsvLine extends PlacedLine {
  block: string;
  words: string[];
  confidences: number[];
}

/**
 * Tesseract's TSV (level, page, block, paragraph, line, word, left, top, width, height, conf,
 * text) as paragraphs split like tesseract.js's ({@link splitAtGaps} per block), with
 * {@link fixLineText} applied to every line, and the mean word confidence.
 */
export function parseTsv(tsv: string): Pick<OcrResult, "paragraphs" | "confidence"> {
  const lines = new Map<string, TsvLine>();
  for (const row of tsv.split("\n").slice(1)) {
    const cells = row.split("\t");
    if (cells.length < 12) continue;
    const [level, page, block, par, line, , , top, , height, conf] = cells.map(Number) as number[];
    const key = `${page}/${block}/${par}/${line}`;
    if (level === 4) {
      lines.set(key, {
        block: `${page}/${block}`,
        text: "",
        confidence: 0,
        top: top!,
        bottom: top! + height!,
        rowHeight: height!,
        words: [],
        confidences: [],
      });
    }
    const text = cells.slice(11).join("\t").trim();
    const entry = lines.get(key);
    if (level === 5 && entry && text.length > 0) {
      entry.words.push(text);
      entry.confidences.push(Math.max(0, conf!));
    }
  }
  const blocks = new Map<string, PlacedLine[]>();
  const all: number[] = [];
  for (const line of lines.values()) {
    if (line.words.length === 0) continue;
    all.push(...line.confidences);
    const placed = {
      ...line,
      text: fixLineText(line.words.join(" ")),
      confidence: mean(line.confidences),
    };
    blocks.set(line.block, [...(blocks.get(line.block) ?? []), placed]);
  }
  const paragraphs = [...blocks.values()].flatMap((block) => splitAtGaps(block));
  return { paragraphs, confidence: mean(all) };
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}
