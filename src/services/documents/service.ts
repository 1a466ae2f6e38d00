/**
 * Reads text out of photos and PDFs. PDF pages with a real text layer are taken as they are;
 * scanned pages are rendered and sent to the OCR model one at a time (render, OCR, release;
 * the next page is rendered meanwhile), so memory stays flat however long the document is. A multi-page TIFF is read the same way,
 * one decoded page at a time, under the same page cap. Each page (its reading, its clean-up)
 * is a piece of its own that re-enters the model's line: the pages of a document of more
 * than one page are batch work, so a question asked meanwhile waits for one page at most.
 */
import type { Logger } from "pino";
import type { JobEvent, ModelHandle, RunOptions, Scheduling } from "../../models/contract.js";
import { pieceClass } from "../../models/contract.js";
import type { OcrInput, OcrResult } from "../../models/adapters/ocr/types.js";
import { cannotServe } from "../../models/kinds/index.js";
import {
  extractImagePage,
  imagePages,
  prepareImageForOcr,
  type ImageIntakeOptions,
  type ImagePages,
} from "../../media/image.js";
import { pdfReader, type PdfDocument } from "../../media/pdf-thread.js";
import type { RenderedPage } from "../../media/pdf.js";
import { systemClock, type Clock } from "../../shared/clock.js";
import { cancelledError, InputError } from "../../shared/errors.js";
import { PageCleanups, type TextNormalizer } from "./page-cleanup.js";
import { detectLanguage, isRealText, type DetectedLanguage } from "./text.js";

export type { TextNormalizer };

/** Reads an image with the vision-language model, as Markdown (the vision service). */
export interface VisionReader {
  read(image: Uint8Array, options: RunOptions): Promise<{ text: string }>;
}

/** fast: tesseract; accurate: the vision-language model, tesseract when it can't serve. */
export type ReadingMode = "fast" | "accurate";

/**
 * How a page's text was obtained: its PDF text layer, OCR, or nothing (a blank page, or a
 * page of a multi-page image that could not be decoded while the others could).
 */
export type PageMethod = "text" | "ocr" | "blank" | "unreadable";

/** Reported once per page as soon as its method is known, e.g. to show "page 3/12". */
export interface PageProgress {
  page: number;
  /** Pages that will be processed (after the page cap). */
  pages: number;
  method: PageMethod;
}

export interface RecognizeOptions extends Scheduling {
  signal?: AbortSignal;
  onProgress?: (progress: PageProgress) => void;
  /** Queue and model-loading events from the model manager ("loading the OCR model…"). */
  onJobEvent?: (event: JobEvent) => void;
  /** OCR languages, e.g. ["rus"]; default: all the engine has. */
  langs?: readonly string[];
  /** Run the normalizer over each page's text (ignored when none is configured). */
  normalize?: boolean;
  /** Which engine reads photos and scanned pages. Default "fast". */
  mode?: ReadingMode;
}

export interface PageResult {
  /** 1-based page number. */
  page: number;
  method: PageMethod;
  text: string;
  /** The text before normalization, when it was normalized. */
  rawText?: string;
  /** OCR confidence 0-100, for OCR pages. */
  confidence?: number;
  language: DetectedLanguage;
  ms: number;
}

export interface DocumentResult {
  kind: "image" | "pdf";
  pages: PageResult[];
  /** Every page's text, separated by blank lines. */
  text: string;
  language: DetectedLanguage;
  /** The OCR engine that read any page ("vision" for the VLM), or "pdf-text" when no page needed OCR. */
  engine: string;
  /** "accurate" was asked for, but the vision model could not serve: tesseract read it. */
  fallback: boolean;
  /** Pages in the document, including skipped ones. */
  totalPages: number;
  /** Pages past the page cap that were not read. */
  skippedPages: number;
  /** 1-based numbers of the pages that could not be decoded (their `method` is "unreadable"). */
  unreadablePages: number[];
  normalized: boolean;
  timings: { totalMs: number; ocrMs: number; normalizeMs: number };
}

export interface PdfPolicy {
  /** Read at most this many pages of a PDF or a multi-page TIFF (PDF_MAX_PAGES). Default 30. */
  maxPages?: number;
  /** Byte limit for PDF files. Default 50 MiB. */
  maxBytes?: number;
  /** Render resolution for scanned pages. Default 200 dpi. */
  dpi?: number;
  /** Cap on a rendered page's longest side. Default 3500 px. */
  maxSide?: number;
  /** A rendered page with less ink than this share of pixels is blank. Default 0.0001. */
  blankInkRatio?: number;
}

export interface DocumentServiceOptions {
  ocr: ModelHandle<OcrInput, OcrResult>;
  /** Reads in "accurate" mode; without it, that mode falls back to tesseract. */
  vision?: VisionReader;
  logger: Logger;
  normalizer?: TextNormalizer;
  image?: ImageIntakeOptions;
  pdf?: PdfPolicy;
  clock?: Clock;
}

/** Text recognition for photos and PDFs, in Russian and English. */
export class DocumentService {
  private readonly clock: Clock;
  private readonly pdf: Required<PdfPolicy>;

  constructor(private readonly options: DocumentServiceOptions) {
    this.clock = options.clock ?? systemClock;
    this.pdf = {
      maxPages: 30,
      maxBytes: 50 * 1024 * 1024,
      dpi: 200,
      maxSide: 3500,
      blankInkRatio: 0.0001,
      ...options.pdf,
    };
  }

  /**
   * Reads a photo or scan (JPEG, PNG, WebP, TIFF, GIF, HEIF/AVIF); a multi-page TIFF page by
   * page, an animation by its first frame.
   */
  async recognizeImage(bytes: Uint8Array, options: RecognizeOptions = {}): Promise<DocumentResult> {
    const started = this.clock.now();
    const paged = await imagePages(bytes, this.pdf.maxPages, this.options.image);
    if (paged.pages > 1) return this.recognizeImagePages(paged, started, options);
    const reading: Reading = { fallback: false };
    const jobs = pageJobs(options, 1);
    options.onProgress?.({ page: 1, pages: 1, method: "ocr" });
    const ocr = await this.readImage(
      reading,
      options,
      jobs,
      () => Promise.resolve(bytes),
      async () => (await prepareImageForOcr(bytes, this.options.image)).png,
    );
    const page: PageResult = {
      page: 1,
      method: "ocr",
      text: ocr.text,
      ...(ocr.confidence === undefined ? {} : { confidence: ocr.confidence }),
      language: detectLanguage(ocr.text),
      ms: this.clock.now() - started,
    };
    const cleanups = this.cleanups(options, jobs);
    cleanups.add(page);
    return this.finish("image", [page], cleanups, {
      totalPages: 1,
      skippedPages: 0,
      unreadablePages: [],
      engine: ocr.engine,
      started,
      ocrMs: page.ms,
      ...reading,
    });
  }

  /**
   * Reads a PDF page by page: text layer where it is real, OCR of the rendered page otherwise.
   * The next page is parsed and drawn (in the PDF reader's thread) while this one is read.
   */
  async recognizePdf(bytes: Uint8Array, options: RecognizeOptions = {}): Promise<DocumentResult> {
    const started = this.clock.now();
    const pdf = await pdfReader.open(bytes, { maxBytes: this.pdf.maxBytes });
    const pages = Math.min(pdf.pages, this.pdf.maxPages);
    const jobs = pageJobs(options, pages);
    const cleanups = this.cleanups(options, jobs);
    const prepare = (number: number) => {
      const prepared = this.preparePdfPage(pdf, number);
      // Awaited when its turn comes; until then a failure must not count as unhandled.
      prepared.catch(() => undefined);
      return prepared;
    };
    let upcoming: Promise<PreparedPdfPage> | undefined = pages > 0 ? prepare(1) : undefined;
    try {
      const results: PageResult[] = [];
      const reading: Reading = { fallback: false };
      let engine = "pdf-text";
      let ocrMs = 0;
      for (let number = 1; number <= pages; number++) {
        if (options.signal?.aborted) throw cancelledError(options.signal.reason);
        const pageStarted = this.clock.now();
        const { layer, rendered } = await upcoming!;
        cleanups.throwIfFailed();
        upcoming = number < pages ? prepare(number + 1) : undefined;
        if (!rendered) {
          options.onProgress?.({ page: number, pages, method: "text" });
          results.push(this.page(number, "text", layer, pageStarted));
        } else if (rendered.inkRatio < this.pdf.blankInkRatio) {
          options.onProgress?.({ page: number, pages, method: "blank" });
          results.push(this.page(number, "blank", "", pageStarted));
        } else {
          options.onProgress?.({ page: number, pages, method: "ocr" });
          const png = () => Promise.resolve(rendered.png);
          const ocr = await this.readImage(reading, options, jobs, png, png);
          engine = ocr.engine;
          const page = this.readPage(number, ocr, pageStarted);
          ocrMs += page.ms;
          results.push(page);
        }
        cleanups.add(results.at(-1)!);
      }
      if (pdf.pages > pages) {
        this.options.logger.info({ pages: pdf.pages, read: pages }, "pdf page cap reached");
      }
      return await this.finish("pdf", results, cleanups, {
        totalPages: pdf.pages,
        skippedPages: pdf.pages - pages,
        unreadablePages: [],
        engine,
        started,
        ocrMs,
        ...reading,
      });
    } catch (error) {
      await cleanups.cancel(error);
      throw error;
    } finally {
      await upcoming?.catch(() => undefined);
      await pdf.close();
    }
  }

  /** A PDF page's text layer, and the page drawn for OCR when that layer isn't real text. */
  private async preparePdfPage(pdf: PdfDocument, number: number): Promise<PreparedPdfPage> {
    const layer = await pdf.pageText(number);
    if (isRealText(layer)) return { layer };
    const rendered = await pdf.renderPage(number, {
      dpi: this.pdf.dpi,
      maxSide: this.pdf.maxSide,
    });
    return { layer, rendered };
  }

  /**
   * Reads the pages of a multi-page image as {@link recognizePdf} reads scanned pages: up to
   * the page cap, one decoded page at a time, each page its own OCR job. A page that can't be
   * decoded (corrupt, or over the pixel limit) is noted and the others are still read; when
   * none can be, the first page's error is the document's.
   */
  private async recognizeImagePages(
    { pages: total, bytes }: ImagePages,
    started: number,
    options: RecognizeOptions,
  ): Promise<DocumentResult> {
    const pages = Math.min(total, this.pdf.maxPages);
    const jobs = pageJobs(options, pages);
    const cleanups = this.cleanups(options, jobs);
    const results: PageResult[] = [];
    const unreadable: { page: number; error: InputError }[] = [];
    const reading: Reading = { fallback: false };
    let engine = "";
    let ocrMs = 0;
    try {
      for (let number = 1; number <= pages; number++) {
        if (options.signal?.aborted) throw cancelledError(options.signal.reason);
        cleanups.throwIfFailed();
        const pageStarted = this.clock.now();
        const index = number - 1;
        options.onProgress?.({ page: number, pages, method: "ocr" });
        let ocr: ImageReading;
        try {
          ocr = await this.readImage(
            reading,
            options,
            jobs,
            () => extractImagePage(bytes, index, this.options.image),
            async () => (await prepareImageForOcr(bytes, this.options.image, index)).png,
          );
        } catch (error) {
          // Only the page's own pixels make it unreadable; any other failure is the document's.
          if (!(error instanceof InputError) || !error.code.startsWith("image.")) throw error;
          this.options.logger.info({ page: number, code: error.code }, "image page unreadable");
          unreadable.push({ page: number, error });
          results.push(this.page(number, "unreadable", "", pageStarted));
          continue;
        }
        engine = ocr.engine;
        const page = this.readPage(number, ocr, pageStarted);
        ocrMs += page.ms;
        results.push(page);
        cleanups.add(page);
      }
      if (unreadable.length === pages) throw unreadable[0]!.error;
    } catch (error) {
      await cleanups.cancel(error);
      throw error;
    }
    if (total > pages) {
      this.options.logger.info({ pages: total, read: pages }, "image page cap reached");
    }
    return this.finish("image", results, cleanups, {
      totalPages: total,
      skippedPages: total - pages,
      unreadablePages: unreadable.map(({ page }) => page),
      engine,
      started,
      ocrMs,
      ...reading,
    });
  }

  /**
   * Reads one image in the asked mode: the VLM gets `forVision()`, tesseract `forOcr()`.
   * Once the VLM could not serve (not configured, can't load), the rest of the document
   * goes to tesseract and `reading.fallback` says so.
   */
  private async readImage(
    reading: Reading,
    options: RecognizeOptions,
    jobs: RunOptions,
    forVision: () => Promise<Uint8Array>,
    forOcr: () => Promise<Uint8Array>,
  ): Promise<ImageReading> {
    const vision = this.options.vision;
    if (options.mode === "accurate" && !reading.fallback) {
      if (!vision) {
        reading.fallback = true;
      } else {
        try {
          const result = await vision.read(await forVision(), jobs);
          return { text: result.text, engine: "vision" };
        } catch (error) {
          if (!cannotServe(error)) throw error;
          this.options.logger.warn({ err: error }, "vision model can't serve: reading with OCR");
          reading.fallback = true;
        }
      }
    }
    return this.options.ocr.run(
      { image: await forOcr(), ...(options.langs ? { langs: options.langs } : {}) },
      jobs,
    );
  }

  private page(page: number, method: PageMethod, text: string, started: number): PageResult {
    return { page, method, text, language: detectLanguage(text), ms: this.clock.now() - started };
  }

  /** A page of a document read by OCR, with the engine's confidence when it gives one. */
  private readPage(page: number, ocr: ImageReading, started: number): PageResult {
    return {
      ...this.page(page, "ocr", ocr.text, started),
      ...(ocr.confidence === undefined ? {} : { confidence: ocr.confidence }),
    };
  }

  /** The clean-ups of a document's pages, when `options` asks for them and a normalizer is set. */
  private cleanups(options: RecognizeOptions, jobs: RunOptions): PageCleanups {
    const normalizer = options.normalize ? this.options.normalizer : undefined;
    return new PageCleanups(normalizer, jobs, this.clock);
  }

  private async finish(
    kind: DocumentResult["kind"],
    pages: PageResult[],
    cleanups: PageCleanups,
    meta: {
      totalPages: number;
      skippedPages: number;
      unreadablePages: number[];
      engine: string;
      started: number;
      ocrMs: number;
      fallback: boolean;
    },
  ): Promise<DocumentResult> {
    const normalizeMs = await cleanups.done();
    const text = pages
      .map((page) => page.text)
      .filter((pageText) => pageText.length > 0)
      .join("\n\n");
    const now = this.clock.now();
    return {
      kind,
      pages,
      text,
      language: detectLanguage(text),
      engine: meta.engine,
      fallback: meta.fallback,
      totalPages: meta.totalPages,
      skippedPages: meta.skippedPages,
      unreadablePages: meta.unreadablePages,
      normalized: cleanups.enabled,
      timings: { totalMs: now - meta.started, ocrMs: meta.ocrMs, normalizeMs },
    };
  }
}

/**
 * The options of every model job of a document of `pages` pages: the caller's signal, events
 * and owner, and the class of its pieces (batch when there are several pages).
 */
function pageJobs(options: RecognizeOptions, pages: number): RunOptions {
  return {
    signal: options.signal,
    onEvent: options.onJobEvent,
    owner: options.owner,
    workClass: pieceClass(pages, options.workClass),
  };
}

/** The text of one image and the engine that read it. */
interface ImageReading {
  text: string;
  engine: string;
  confidence?: number;
}

/** Whether the vision reader of one document already gave way to tesseract. */
interface Reading {
  fallback: boolean;
}

/** A PDF page ready to read: its text layer, and its drawing when that layer isn't real text. */
interface PreparedPdfPage {
  layer: string;
  rendered?: RenderedPage;
}
