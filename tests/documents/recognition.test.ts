/**
 * Acceptance tests with the real tesseract.js engine (rus+eng) on images and PDFs rendered
 * here with DejaVu Sans. One engine is loaded for the whole file and unloaded in after().
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pino from "pino";
import sharp from "sharp";
import {
  TesseractOcr,
  type OcrInput,
  type OcrResult,
} from "../../src/models/adapters/ocr/index.js";
import {
  DocumentService,
  type PageProgress,
  type TextNormalizer,
} from "../../src/services/documents/index.js";
import { DirectHandle } from "../support/model-handle.js";
import { buildEncryptedPdf, buildPdf } from "../support/pdfs.js";
import { characterErrorRate, textPng } from "../support/text-images.js";
import { buildTiff, textTiffPage } from "../support/tiffs.js";

const logger = pino({ level: "silent" });
const MAX_CER = 0.02;
/** Real scans (see its SOURCES.md). */
const REAL_DATA = "/work/shared/data/real";

const RUSSIAN = "Съешь же ещё этих мягких французских булок, да выпей чаю.";
const ENGLISH = "The quick brown fox jumps over the lazy dog near the river bank.";
const PARAGRAPH = [
  "Отчёт о работе за третий квартал 2025 года.",
  "Выручка выросла на 12 процентов, расходы снизились.",
  "The board approved the budget for the next year.",
];

function assertCer(reference: string, actual: string): void {
  const cer = characterErrorRate(reference, actual);
  assert.ok(
    cer <= MAX_CER,
    `CER ${(cer * 100).toFixed(2)}% > 2%\nexpected: ${reference}\nactual:   ${actual}`,
  );
}

describe("document recognition with tesseract.js", () => {
  let dataDir: string;
  let model: TesseractOcr;
  let handle: DirectHandle<OcrInput, OcrResult>;
  let service: DocumentService;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "documents-test-"));
    model = new TesseractOcr({ dataDir, logger, langs: "rus+eng", workers: 1, engine: "js" });
    handle = new DirectHandle(model);
    service = new DocumentService({ ocr: handle, logger });
  });

  after(async () => {
    await handle.dispose();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("reads a Russian line", async () => {
    const result = await service.recognizeImage(await textPng([RUSSIAN]));
    assertCer(RUSSIAN, result.text);
    assert.equal(result.language, "ru");
    assert.equal(result.kind, "image");
    assert.match(result.engine, /^tesseract\.js 7/);
    assert.ok(result.pages[0]!.confidence! > 80);
  });

  it("reads an English line", async () => {
    const result = await service.recognizeImage(await textPng([ENGLISH]));
    assertCer(ENGLISH, result.text);
    assert.equal(result.language, "en");
  });

  it("reads a paragraph keeping its lines, and splits paragraphs at blank space", async () => {
    const result = await service.recognizeImage(
      await textPng([...PARAGRAPH, "", "P.S. Second paragraph."]),
    );
    assertCer([...PARAGRAPH, "P.S. Second paragraph."].join(" "), result.text);
    const [first, second] = result.text.split("\n\n");
    assert.equal(first!.split("\n").length, 3);
    assertCer("P.S. Second paragraph.", second ?? "");
  });

  it("reads a photo stored sideways with an EXIF orientation", async () => {
    const sideways = await sharp(await textPng([ENGLISH, RUSSIAN], { fontSize: 36 }))
      .rotate(-90)
      .jpeg({ quality: 92 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const result = await service.recognizeImage(sideways);
    assertCer(`${ENGLISH} ${RUSSIAN}`, result.text);
  });

  it("reads tiny text after upscaling it", async () => {
    const tiny = await textPng(["Small print matters"], { fontSize: 10, margin: 4 });
    assert.ok((await sharp(tiny).metadata()).height! < 30);
    const result = await service.recognizeImage(tiny);
    assertCer("Small print matters", result.text);
  });

  it("refuses images above the pixel limit with a typed error", async () => {
    const limited = new DocumentService({ ocr: handle, logger, image: { maxInputPixels: 10_000 } });
    await assert.rejects(limited.recognizeImage(await textPng([ENGLISH])), {
      name: "InputError",
      code: "image.too_large",
    });
    await assert.rejects(service.recognizeImage(Buffer.from("GIF89a broken")), {
      code: "image.corrupt",
    });
  });

  it("reads a PDF: text layer where there is one, OCR only for the scanned page", async () => {
    const textPage = ["Quarterly report, page one.", "This page has a real text layer."];
    const scanned = [RUSSIAN, "Сканированная страница номер два."];
    const pdf = await buildPdf([
      { kind: "text", lines: textPage },
      { kind: "image", png: await textPng(scanned, { fontSize: 40 }) },
      { kind: "blank" },
    ]);
    const progress: PageProgress[] = [];
    const before = handle.events.filter((event) => event.type === "running").length;
    const result = await service.recognizePdf(pdf, { onProgress: (p) => progress.push(p) });

    assert.deepEqual(progress, [
      { page: 1, pages: 3, method: "text" },
      { page: 2, pages: 3, method: "ocr" },
      { page: 3, pages: 3, method: "blank" },
    ]);
    assert.equal(handle.events.filter((event) => event.type === "running").length - before, 1);
    assert.deepEqual(
      result.pages.map((page) => page.method),
      ["text", "ocr", "blank"],
    );
    assert.equal(result.pages[0]!.text, textPage.join("\n"));
    assertCer(scanned.join(" "), result.pages[1]!.text);
    assert.equal(result.pages[1]!.language, "ru");
    assert.equal(result.pages[2]!.text, "");
    assert.equal(result.totalPages, 3);
    assert.equal(result.skippedPages, 0);
    assert.match(result.engine, /^tesseract/);
    assert.equal(result.text, `${result.pages[0]!.text}\n\n${result.pages[1]!.text}`);
  });

  it("stops at the page cap and says how many pages were skipped", async () => {
    const pages = [1, 2, 3, 4, 5].map((n) => ({
      kind: "text" as const,
      lines: [`This is page number ${n} of the long document.`],
    }));
    const capped = new DocumentService({ ocr: handle, logger, pdf: { maxPages: 2 } });
    const progress: PageProgress[] = [];
    const result = await capped.recognizePdf(await buildPdf(pages), {
      onProgress: (p) => progress.push(p),
    });
    assert.deepEqual(
      result.pages.map((page) => page.text),
      [
        "This is page number 1 of the long document.",
        "This is page number 2 of the long document.",
      ],
    );
    assert.deepEqual(
      progress.map((p) => `${p.page}/${p.pages}`),
      ["1/2", "2/2"],
    );
    assert.equal(result.totalPages, 5);
    assert.equal(result.skippedPages, 3);
    assert.equal(result.engine, "pdf-text");
  });

  it("reads a two-page TIFF page by page: a real scan, then a Russian page", async () => {
    const scan = await sharp(join(REAL_DATA, "phototest.tif"))
      .grayscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const tiff = buildTiff([
      { width: scan.info.width, height: scan.info.height, gray: scan.data },
      await textTiffPage([RUSSIAN]),
    ]);
    const progress: PageProgress[] = [];
    const result = await service.recognizeImage(tiff, { onProgress: (p) => progress.push(p) });
    assert.deepEqual(
      progress.map((p) => `${p.page}/${p.pages}`),
      ["1/2", "2/2"],
    );
    assert.deepEqual(
      result.pages.map(({ page, method, language }) => ({ page, method, language })),
      [
        { page: 1, method: "ocr", language: "en" },
        { page: 2, method: "ocr", language: "ru" },
      ],
    );
    const expected = (await readFile(join(REAL_DATA, "phototest.txt"), "utf8")).trim();
    assertCer(expected.replace(/\s+/g, " "), result.pages[0]!.text.replace(/\s+/g, " "));
    assertCer(RUSSIAN, result.pages[1]!.text);
    assert.deepEqual([result.totalPages, result.skippedPages], [2, 0]);

    // Past the cap: the first page only, the second counted as skipped.
    const capped = new DocumentService({ ocr: handle, logger, pdf: { maxPages: 1 } });
    const first = await capped.recognizeImage(tiff);
    assert.deepEqual([first.pages.length, first.totalPages, first.skippedPages], [1, 2, 1]);
    assert.doesNotMatch(first.text, /Съешь/);
  });

  it("maps corrupt and encrypted PDFs to typed errors", async () => {
    await assert.rejects(service.recognizePdf(Buffer.from("%PDF-1.4\n garbage \n%%EOF")), {
      name: "InputError",
      code: "pdf.corrupt",
    });
    await assert.rejects(service.recognizePdf(await buildEncryptedPdf()), {
      name: "InputError",
      code: "pdf.encrypted",
    });
  });

  it("applies the normalizer only when asked, keeping the raw text", async () => {
    const calls: Array<[string, string, string]> = [];
    const normalizer: TextNormalizer = {
      normalize: async (text, kind, lang) => {
        calls.push([text, kind, lang]);
        return text.toUpperCase();
      },
    };
    const withNormalizer = new DocumentService({ ocr: handle, logger, normalizer });
    const png = await textPng([ENGLISH]);
    const plain = await withNormalizer.recognizeImage(png);
    assert.equal(plain.normalized, false);
    assert.equal(calls.length, 0);

    const result = await withNormalizer.recognizeImage(png, { normalize: true });
    assert.equal(result.normalized, true);
    assert.deepEqual(calls, [[plain.text, "ocr", "en"]]);
    assert.equal(result.text, plain.text.toUpperCase());
    assert.equal(result.pages[0]!.rawText, plain.text);
  });

  it("reads with a subset of the loaded languages and refuses unloaded ones", async () => {
    const result = await service.recognizeImage(await textPng([ENGLISH]), { langs: ["eng"] });
    assertCer(ENGLISH, result.text);
    await assert.rejects(service.recognizeImage(await textPng([ENGLISH]), { langs: ["deu"] }), {
      name: "ModelError",
      code: "model.missing",
    });
  });

  it("cancels a running job and keeps working afterwards", async () => {
    const controller = new AbortController();
    const png = await textPng(PARAGRAPH);
    await assert.rejects(
      service.recognizeImage(png, {
        signal: controller.signal,
        onJobEvent: (event) => {
          // Abort once the job is on the worker, so the in-flight path is what gets cancelled.
          if (event.type === "running") setImmediate(() => controller.abort());
        },
      }),
      { code: "job.cancelled" },
    );
    const result = await service.recognizeImage(await textPng([ENGLISH]));
    assertCer(ENGLISH, result.text);
  });
});
