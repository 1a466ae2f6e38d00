/**
 * OCR throughput: an A4 page (200 dpi) of 30 lines of Russian and English text, read by
 * tesseract.js (our engine, its default worker pool) and, side by side, by the native
 * `tesseract` CLI when installed (same concurrency, one thread per process, same language
 * data). Also PDF text-layer pages per second and the memory one tesseract.js worker holds.
 *
 * Usage: npm run bench:ocr [-- --pages 4]
 * Last line: ocr: js_pages_per_min=… native_pages_per_min=… ratio=… pdf_text_pages_per_s=…
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pino from "pino";
import sharp from "sharp";
import { TesseractOcr, findTessdata } from "../src/models/adapters/ocr/index.js";
import { DocumentService } from "../src/services/documents/index.js";
import { buildPdf } from "../tests/support/pdfs.js";
import { characterErrorRate, textSvg } from "../tests/support/text-images.js";

const { values } = parseArgs({ options: { pages: { type: "string", default: "4" } } });
const PAGES = Number(values.pages);
const LANGS = "rus+eng";
const WORKERS = Math.min(2, availableParallelism());
const logger = pino({ level: "silent" });

const SENTENCES = [
  "Отчёт о работе отдела за третий квартал текущего года.",
  "The committee reviewed the annual budget and approved it.",
  "Выручка компании выросла на двенадцать процентов.",
  "Shipping costs decreased after the new contract was signed.",
  "Совещание перенесено на следующую неделю, в четверг.",
  "Please send the signed documents back before Friday noon.",
];
const LINES = Array.from({ length: 30 }, (_, i) => SENTENCES[i % SENTENCES.length]!);
const REFERENCE = LINES.join("\n");

/** An A4 page at 200 dpi (1654 x 2339) with the 30 lines, as a grayscale PNG. */
async function a4Page(): Promise<Buffer> {
  const svg = textSvg(LINES, { fontSize: 30, lineHeight: 68, margin: 150, width: 1654 });
  return sharp(svg)
    .resize({ width: 1654, height: 2339, fit: "contain", position: "top", background: "#fff" })
    .grayscale()
    .png()
    .toBuffer();
}

/** Runs `count` jobs with at most `concurrency` at a time; returns elapsed ms and outputs. */
async function timed(
  count: number,
  concurrency: number,
  job: () => Promise<string>,
): Promise<{ ms: number; texts: string[] }> {
  const texts: string[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < count) texts.push(await job());
    }),
  );
  return { ms: performance.now() - started, texts };
}

function nativeTesseract(png: Buffer, tessdataDir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      "tesseract",
      ["stdin", "stdout", "-l", LANGS, "--psm", "3", "--tessdata-dir", tessdataDir],
      { env: { ...process.env, OMP_THREAD_LIMIT: "1" }, stdio: ["pipe", "pipe", "ignore"] },
    );
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0
        ? resolve(Buffer.concat(chunks).toString("utf8"))
        : reject(new Error(`tesseract exited with ${code}`)),
    );
    child.stdin.end(png);
  });
}

function tesseractInstalled(): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn("tesseract", ["--version"], { stdio: "ignore" });
    child.on("error", () => resolve(false));
    child.on("close", (code) => resolve(code === 0));
  });
}

const meanCer = (texts: string[]) =>
  texts.reduce((sum, text) => sum + characterErrorRate(REFERENCE, text), 0) / texts.length;
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);

const dataDir = await mkdtemp(join(tmpdir(), "bench-ocr-"));
try {
  const page = await a4Page();
  console.log(`A4 page: 1654x2339 px, 30 lines, ${PAGES} pages per engine, ${WORKERS} workers`);

  // tesseract.js through the same model class the bot uses.
  const rssBefore = process.memoryUsage().rss;
  const model = new TesseractOcr({ dataDir, logger, langs: LANGS, workers: WORKERS });
  const loadStarted = performance.now();
  await model.load();
  const loadMs = performance.now() - loadStarted;
  const rssLoaded = process.memoryUsage().rss;
  const signal = new AbortController().signal;
  const js = await timed(
    PAGES,
    WORKERS,
    async () => (await model.run({ image: page }, signal)).text,
  );
  const rssAfter = process.memoryUsage().rss;
  await model.unload();
  const jsPerMin = (PAGES / js.ms) * 60_000;
  console.log(
    `tesseract.js: load ${loadMs.toFixed(0)} ms, ${(js.ms / PAGES).toFixed(0)} ms/page wall, ` +
      `${jsPerMin.toFixed(1)} pages/min, CER ${(meanCer(js.texts) * 100).toFixed(2)}%`,
  );
  console.log(
    `tesseract.js memory: +${mb(rssLoaded - rssBefore)} MB RSS after load, ` +
      `+${mb(rssAfter - rssBefore)} MB after the pages, ~${mb((rssAfter - rssBefore) / WORKERS)} MB per worker`,
  );

  let nativePerMin = 0;
  const rus = await findTessdata("rus", { dataDir, npmPackages: false });
  if ((await tesseractInstalled()) && rus && !rus.endsWith(".gz")) {
    const tessdataDir = join(rus, "..");
    const native = await timed(PAGES, WORKERS, () => nativeTesseract(page, tessdataDir));
    nativePerMin = (PAGES / native.ms) * 60_000;
    console.log(
      `native tesseract: ${(native.ms / PAGES).toFixed(0)} ms/page wall, ${nativePerMin.toFixed(1)} pages/min, ` +
        `CER ${(meanCer(native.texts) * 100).toFixed(2)}% (${tessdataDir})`,
    );
  } else {
    console.log("native tesseract: not installed (apt install tesseract-ocr tesseract-ocr-rus)");
  }

  // PDF text layer: the same service path, with an OCR handle that must never be called.
  const textPages = 50;
  const pdf = await buildPdf(
    Array.from({ length: textPages }, () => ({
      kind: "text" as const,
      lines: LINES.map(latinOnly),
    })),
  );
  const service = new DocumentService({
    logger,
    pdf: { maxPages: textPages },
    ocr: {
      id: "ocr",
      run: () => Promise.reject(new Error("text-layer pages must not reach OCR")),
    },
  });
  const pdfStarted = performance.now();
  const result = await service.recognizePdf(pdf);
  const pdfPerS = (result.pages.length / (performance.now() - pdfStarted)) * 1000;
  console.log(`pdf text layer: ${result.pages.length} pages, ${pdfPerS.toFixed(1)} pages/s`);

  const ratio = nativePerMin > 0 ? jsPerMin / nativePerMin : 0;
  console.log(
    `ocr: js_pages_per_min=${jsPerMin.toFixed(1)} native_pages_per_min=${nativePerMin.toFixed(1)} ` +
      `ratio=${ratio.toFixed(2)} pdf_text_pages_per_s=${pdfPerS.toFixed(1)}`,
  );
} finally {
  await rm(dataDir, { recursive: true, force: true });
}

/** pdf-lib's standard fonts encode WinAnsi only: Cyrillic lines become Latin placeholders. */
function latinOnly(line: string): string {
  return /\p{Script=Cyrillic}/u.test(line)
    ? "The quarterly report was approved by the board."
    : line;
}
