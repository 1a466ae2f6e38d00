/**
 * OCR engines side by side on A4 pages (200 dpi) rendered like a scan: throughput on a page of
 * 30 alternating Russian and English lines with 2 jobs at a time, and the character error rate
 * (CER) on a Russian page, an English page and a page of mixed lines (Russian sentences with
 * English words, product names and URLs, and the other way round). Each engine is one entry
 * of {@link ENGINES}: the native `tesseract` program and tesseract.js, both through the model
 * class the bot uses. Also PDF text-layer pages per second and tesseract.js's memory.
 *
 * The profile's vision model (`--vision-profile`, default MODEL_PROFILE or auto) reads the same
 * pages one at a time through the VisionService the bot uses, when its files are on disk
 * (`npm run models:pull`); otherwise the bench says so and goes on. Its CER is on Markdown,
 * so heading and list marks count as errors.
 *
 * Usage: npm run bench:ocr [-- --pages 4 --vision-profile cpu]
 * Last line: ocr: js_pages_per_min=… native_pages_per_min=… ratio=… pdf_text_pages_per_s=…
 *   engine=<native|js> cer_ru=… cer_en=… cer_mixed=… (the CERs of the engine the bot uses here)
 *   vision_s_per_image=… (or - when the vision model is not on disk)
 */
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pino from "pino";
import sharp from "sharp";
import {
  NativeTesseract,
  TesseractOcr,
  type OcrEngineChoice,
} from "../src/models/adapters/ocr/index.js";
import { profileThreads } from "../src/app/models.js";
import { createCatalogueModels } from "../src/models/kinds/adapters.js";
import {
  parseProfileChoice,
  resolveProfile,
  type ProfileChoice,
} from "../src/models/catalogue/index.js";
import { configureRuntime, detectCuda } from "../src/models/runtime/index.js";
import { DocumentService } from "../src/services/documents/index.js";
import { VisionService } from "../src/services/vision/index.js";
import { systemClock } from "../src/shared/clock.js";
import { buildPdf } from "../tests/support/pdfs.js";
import { characterErrorRate, textSvg } from "../tests/support/text-images.js";

const { values } = parseArgs({
  options: {
    pages: { type: "string", default: "4" },
    "vision-profile": { type: "string", default: process.env.MODEL_PROFILE ?? "auto" },
  },
});
const PAGES = Number(values.pages);
const LANGS = "rus+eng";
const WORKERS = Math.min(2, availableParallelism());
const logger = pino({ level: "silent" });

const RUSSIAN = [
  "Отчёт о работе отдела за третий квартал текущего года.",
  "Выручка компании выросла на двенадцать процентов.",
  "Совещание перенесено на следующую неделю, в четверг.",
];
const ENGLISH = [
  "The committee reviewed the annual budget and approved it.",
  "Shipping costs decreased after the new contract was signed.",
  "Please send the signed documents back before Friday noon.",
];
const MIXED = [
  "Откройте страницу page settings и нажмите кнопку Save.",
  "Скачайте отчёт с сайта https://example.com/report до пятницы.",
  "Для экспорта выберите формат CSV или XML в меню Export.",
  "Сервер Apple Mac Pro теперь копирует базу каждый час.",
  "Please bring the документы and the signed договор tomorrow.",
  "The meeting with Иван Петров is scheduled for Monday.",
  "We ordered a торт and some сахар for the office party.",
  "Новая версия Telegram Desktop поддерживает dark mode.",
  "Type your password, then press Enter to copy the room key.",
  "Ошибка 404 на странице /export/type/page в браузере Opera.",
];
const lines = (sentences: readonly string[]) =>
  Array.from({ length: 30 }, (_, i) => sentences[i % sentences.length]!);
/** The throughput page: Russian and English lines in turn (as measured since the first wave). */
const ALTERNATING = lines(RUSSIAN.flatMap((line, i) => [line, ENGLISH[i]!]));
const CER_PAGES = { ru: lines(RUSSIAN), en: lines(ENGLISH), mixed: lines(MIXED) };
type CerKind = keyof typeof CER_PAGES;

/** An A4 page at 200 dpi (1654 x 2339) with the lines, as a grayscale PNG. */
async function a4Page(text: readonly string[]): Promise<Buffer> {
  const svg = textSvg(text, { fontSize: 30, lineHeight: 68, margin: 150, width: 1654 });
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

const meanCer = (reference: readonly string[], texts: string[]) =>
  texts.reduce((sum, text) => sum + characterErrorRate(reference.join("\n"), text), 0) /
  texts.length;
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
const pct = (rate: number) => (rate * 100).toFixed(2);

/** What one engine measured. */
interface EngineFigures {
  pagesPerMin: number;
  cer: Record<CerKind, number>;
}

/** One engine in the comparison: undefined from `measure` when it can't run here. */
interface EngineBench {
  key: string;
  measure(dataDir: string, pages: Pages): Promise<EngineFigures | undefined>;
}

interface Pages {
  throughput: Buffer;
  cer: Record<CerKind, Buffer>;
}

/** The tesseract model the bot uses, forced onto one engine. */
function tesseractBench(key: string, engine: Exclude<OcrEngineChoice, "auto">): EngineBench {
  return {
    key,
    async measure(dataDir, pages) {
      const rssBefore = process.memoryUsage().rss;
      const model = new TesseractOcr({ dataDir, logger, langs: LANGS, workers: WORKERS, engine });
      const loadStarted = performance.now();
      const loaded = await model.load().catch((error: unknown) => {
        console.log(`${key}: unavailable (${error instanceof Error ? error.message : error})`);
      });
      if (!loaded) return undefined;
      const loadMs = performance.now() - loadStarted;
      const rssLoaded = process.memoryUsage().rss;
      const signal = new AbortController().signal;
      const read = async (image: Buffer) => (await model.run({ image }, signal)).text;
      try {
        const run = await timed(PAGES, WORKERS, () => read(pages.throughput));
        const rssAfter = process.memoryUsage().rss;
        const cer = {} as Record<CerKind, number>;
        for (const kind of Object.keys(CER_PAGES) as CerKind[]) {
          cer[kind] = meanCer(CER_PAGES[kind], [await read(pages.cer[kind])]);
        }
        const pagesPerMin = (PAGES / run.ms) * 60_000;
        console.log(
          `${model.engine}: load ${loadMs.toFixed(0)} ms, ${(run.ms / PAGES).toFixed(0)} ms/page wall, ` +
            `${pagesPerMin.toFixed(1)} pages/min; CER ${pct(meanCer(ALTERNATING, run.texts))}% ` +
            `(ru ${pct(cer.ru)}%, en ${pct(cer.en)}%, mixed ${pct(cer.mixed)}%)`,
        );
        if (engine === "js") {
          console.log(
            `${model.engine} memory: +${mb(rssLoaded - rssBefore)} MB RSS after load, ` +
              `+${mb(rssAfter - rssBefore)} MB after the pages, ~${mb((rssAfter - rssBefore) / WORKERS)} MB per worker`,
          );
        }
        return { pagesPerMin, cer };
      } finally {
        await model.unload();
      }
    },
  };
}

/**
 * The profile's vision model through the VisionService, one page at a time (its queue runs one
 * job at a time in the bot): skipped, with the command that fetches it, when no variant of it
 * is on disk.
 */
function visionBench(key: string, choice: ProfileChoice): EngineBench {
  return {
    key,
    async measure(_dataDir, pages) {
      const profile = resolveProfile(choice, {}, { cudaAvailable: detectCuda().available });
      const runtime = configureRuntime({
        modelsDir: profile.modelsDir ?? process.env.MODELS_DIR ?? "data/models",
        allowRemoteModels: false,
        threads: profileThreads(profile),
        logger,
      });
      const chain = createCatalogueModels(profile, { runtime, logger, clock: systemClock }).vision;
      let model: typeof chain | undefined = chain;
      while (model && !model.requiredFiles().every((file) => file.present))
        model = model.fallback as typeof chain | undefined;
      if (!model) {
        console.log(`${key}: ${chain.label} is not on disk (npm run models:pull): skipped`);
        return undefined;
      }
      const loaded = model;
      const loadStarted = performance.now();
      await loaded.load();
      const loadMs = performance.now() - loadStarted;
      const service = new VisionService({
        model: {
          id: loaded.id,
          run: (input, options) =>
            loaded.run(input, options?.signal ?? new AbortController().signal),
        },
        history: { recent: () => [], append: () => undefined, images: () => [] },
        limits: { maxPixels: 1_310_720, maxNewTokens: 2048, timeoutMs: 30 * 60_000 },
        logger,
      });
      const read = async (image: Buffer) => (await service.read(image)).text;
      try {
        const run = await timed(PAGES, 1, () => read(pages.throughput));
        const cer = {} as Record<CerKind, number>;
        for (const kind of Object.keys(CER_PAGES) as CerKind[]) {
          cer[kind] = meanCer(CER_PAGES[kind], [await read(pages.cer[kind])]);
        }
        const secondsPerImage = run.ms / PAGES / 1000;
        console.log(
          `${loaded.label}: load ${loadMs.toFixed(0)} ms, ${secondsPerImage.toFixed(1)} s/image; ` +
            `CER ${pct(meanCer(ALTERNATING, run.texts))}% ` +
            `(ru ${pct(cer.ru)}%, en ${pct(cer.en)}%, mixed ${pct(cer.mixed)}%)`,
        );
        return { pagesPerMin: 60 / secondsPerImage, cer };
      } finally {
        await loaded.unload();
      }
    },
  };
}

/** Engines compared, one entry each. */
const ENGINES: readonly EngineBench[] = [
  tesseractBench("native", "native"),
  tesseractBench("js", "js"),
  visionBench("vision", parseProfileChoice(values["vision-profile"])),
];

const dataDir = await mkdtemp(join(tmpdir(), "bench-ocr-"));
try {
  const pages: Pages = {
    throughput: await a4Page(ALTERNATING),
    cer: {
      ru: await a4Page(CER_PAGES.ru),
      en: await a4Page(CER_PAGES.en),
      mixed: await a4Page(CER_PAGES.mixed),
    },
  };
  console.log(
    `A4 pages: 1654x2339 px, 30 lines, ${PAGES} pages per engine at ${WORKERS} jobs; ` +
      `one Russian, one English, one mixed page for CER`,
  );
  const figures = new Map<string, EngineFigures>();
  for (const engine of ENGINES) {
    const measured = await engine.measure(dataDir, pages);
    if (measured) figures.set(engine.key, measured);
  }

  // PDF text layer: the same service path, with an OCR handle that must never be called.
  const textPages = 50;
  const pdf = await buildPdf(
    Array.from({ length: textPages }, () => ({
      kind: "text" as const,
      lines: ALTERNATING.map(latinOnly),
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

  // The engine OCR_ENGINE=auto picks on this machine.
  const engine = await new NativeTesseract().probe(LANGS.split("+")).then(
    () => "native",
    () => "js",
  );
  const jsPerMin = figures.get("js")?.pagesPerMin ?? 0;
  const nativePerMin = figures.get("native")?.pagesPerMin ?? 0;
  const ratio = nativePerMin > 0 ? jsPerMin / nativePerMin : 0;
  const cer = figures.get(engine)?.cer;
  const vision = figures.get("vision");
  console.log(
    `ocr: js_pages_per_min=${jsPerMin.toFixed(1)} native_pages_per_min=${nativePerMin.toFixed(1)} ` +
      `ratio=${ratio.toFixed(2)} pdf_text_pages_per_s=${pdfPerS.toFixed(1)} engine=${engine} ` +
      `cer_ru=${cer ? pct(cer.ru) : "-"} cer_en=${cer ? pct(cer.en) : "-"} ` +
      `cer_mixed=${cer ? pct(cer.mixed) : "-"} ` +
      `vision_s_per_image=${vision ? (60 / vision.pagesPerMin).toFixed(1) : "-"}`,
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
