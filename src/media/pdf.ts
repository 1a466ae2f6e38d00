/**
 * PDF reading with pdfjs-dist 5 (legacy build, runs in Node without a worker thread): page
 * count, a page's text layer, and a page rendered to a grayscale PNG for OCR. Everything
 * pdfjs might fetch (standard fonts, CMaps, WebAssembly decoders) comes from the installed
 * package; nothing touches the network and pdfjs logs nothing below errors.
 *
 * @example
 * const pdf = await PdfFile.open(bytes);
 * try {
 *   const text = await pdf.pageText(1);
 *   const scan = await pdf.renderPage(1, { dpi: 200 });
 * } finally {
 *   await pdf.close();
 * }
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import sharp from "sharp";
import * as pdfjs from "pdfjs-dist/legacy/build/pdf.mjs";
import type { PDFDocumentProxy, PDFPageProxy } from "pdfjs-dist/types/src/display/api.js";
import type { TextItem, TextMarkedContent } from "pdfjs-dist/types/src/display/api.js";
import { InputError } from "../shared/errors.js";

export interface PdfOpenOptions {
  /** Refuse files larger than this. Default 50 MiB. */
  maxBytes?: number;
  /** Refuse to decode embedded images with more pixels than this. Default 100 megapixels. */
  maxImagePixels?: number;
}

export interface RenderOptions {
  /** Target resolution. Default 200 dpi, what tesseract reads best for body text. */
  dpi?: number;
  /** Cap on the longest side in pixels, so posters and maps don't explode. Default 3500. */
  maxSide?: number;
}

/** A rendered page. */
export interface RenderedPage {
  /** 8-bit grayscale PNG on a white background. */
  png: Buffer;
  width: number;
  height: number;
  /** Share of pixels darker than mid-gray: ~0 for a blank page. */
  inkRatio: number;
}

/** The subset of pdfjs's Node canvas factory used for rendering. */
interface CanvasAndContext {
  canvas: { width: number; height: number };
  context: {
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  };
}
interface CanvasFactory {
  create(width: number, height: number): CanvasAndContext;
  destroy(canvasAndContext: CanvasAndContext): void;
}

const PDFJS_DIR = dirname(createRequire(import.meta.url).resolve("pdfjs-dist/package.json"));
/** pdfjs reads these as file paths in Node; the trailing slash is required. */
const ASSETS = {
  standardFontDataUrl: join(PDFJS_DIR, "standard_fonts") + "/",
  cMapUrl: join(PDFJS_DIR, "cmaps") + "/",
  wasmUrl: join(PDFJS_DIR, "wasm") + "/",
  iccUrl: join(PDFJS_DIR, "iccs") + "/",
};

/** An open PDF. Call {@link PdfFile.close} when done: pdfjs holds the parsed document. */
export class PdfFile {
  private constructor(private readonly doc: PDFDocumentProxy) {}

  /**
   * Parses a PDF. Throws `InputError` "pdf.encrypted" when it needs a password (PDFs that only
   * restrict printing or copying open fine), "pdf.corrupt" when it can't be parsed, and
   * "pdf.too_large" above the byte limit.
   */
  static async open(bytes: Uint8Array, options: PdfOpenOptions = {}): Promise<PdfFile> {
    const maxBytes = options.maxBytes ?? 50 * 1024 * 1024;
    if (bytes.byteLength === 0) throw new InputError("input.empty", "the PDF is empty");
    if (bytes.byteLength > maxBytes) {
      throw new InputError(
        "pdf.too_large",
        `the PDF is ${bytes.byteLength} bytes, more than ${maxBytes}`,
        { bytes: bytes.byteLength, maxBytes, maxMb: Math.round(maxBytes / 2 ** 20) },
      );
    }
    const task = pdfjs.getDocument({
      // pdfjs may take ownership of (detach) the buffer it is given: hand it a copy.
      data: new Uint8Array(bytes),
      ...ASSETS,
      verbosity: pdfjs.VerbosityLevel.ERRORS,
      maxImageSize: options.maxImagePixels ?? 100_000_000,
      disableFontFace: true,
      useSystemFonts: false,
      isEvalSupported: false,
      isOffscreenCanvasSupported: false,
      enableXfa: false,
      disableRange: true,
      disableStream: true,
      disableAutoFetch: true,
    });
    try {
      return new PdfFile(await task.promise);
    } catch (error) {
      await task.destroy();
      throw pdfError(error);
    }
  }

  /** Number of pages. */
  get pages(): number {
    return this.doc.numPages;
  }

  /** The page's text layer (1-based page number), lines and paragraph breaks kept. */
  async pageText(pageNumber: number): Promise<string> {
    return this.withPage(pageNumber, async (page) => {
      const content = await page.getTextContent();
      return textLayerToString(content.items);
    });
  }

  /** Renders a page (1-based) to a grayscale PNG; the canvas is freed before returning. */
  async renderPage(pageNumber: number, options: RenderOptions = {}): Promise<RenderedPage> {
    const dpi = options.dpi ?? 200;
    const maxSide = options.maxSide ?? 3500;
    return this.withPage(pageNumber, async (page) => {
      const base = page.getViewport({ scale: 1 });
      const scale = Math.min(dpi / 72, maxSide / Math.max(base.width, base.height));
      const viewport = page.getViewport({ scale });
      const width = Math.max(1, Math.round(viewport.width));
      const height = Math.max(1, Math.round(viewport.height));
      const factory = this.doc.canvasFactory as CanvasFactory;
      const target = factory.create(width, height);
      let gray: Uint8Array;
      let dark = 0;
      try {
        await page.render({
          canvas: target.canvas as unknown as Parameters<PDFPageProxy["render"]>[0]["canvas"],
          viewport,
          background: "#ffffff",
        }).promise;
        const rgba = target.context.getImageData(0, 0, width, height).data;
        gray = new Uint8Array(width * height);
        for (let i = 0, p = 0; p < gray.length; i += 4, p++) {
          // Rec. 601 luma, integer arithmetic.
          const luma = (rgba[i]! * 299 + rgba[i + 1]! * 587 + rgba[i + 2]! * 114) / 1000;
          gray[p] = luma;
          if (luma < 128) dark++;
        }
      } finally {
        factory.destroy(target);
      }
      const png = await sharp(gray, { raw: { width, height, channels: 1 } })
        .png({ compressionLevel: 1 })
        .toBuffer();
      return { png, width, height, inkRatio: dark / gray.length };
    });
  }

  /** Releases everything pdfjs holds for this document. */
  async close(): Promise<void> {
    await this.doc.destroy();
  }

  private async withPage<T>(
    pageNumber: number,
    use: (page: PDFPageProxy) => Promise<T>,
  ): Promise<T> {
    let page: PDFPageProxy | undefined;
    try {
      page = await this.doc.getPage(pageNumber);
      return await use(page);
    } catch (error) {
      if (error instanceof InputError) throw error;
      throw new InputError(
        "pdf.corrupt",
        `page ${pageNumber} can't be read: ${describe(error)}`,
        {
          page: pageNumber,
        },
        { cause: error },
      );
    } finally {
      page?.cleanup();
    }
  }
}

/**
 * Joins pdfjs text items into text: `hasEOL` ends a line, a vertical gap of more than ~1.5
 * line heights starts a new paragraph.
 */
export function textLayerToString(items: ReadonlyArray<TextItem | TextMarkedContent>): string {
  let text = "";
  let lastY: number | undefined;
  let lastHeight = 0;
  for (const item of items) {
    if (!("str" in item)) continue;
    const y = item.transform[5] as number;
    const height = item.height || Math.abs(item.transform[3] as number);
    if (
      lastY !== undefined &&
      text.endsWith("\n") &&
      lastY - y > 1.5 * Math.max(height, lastHeight) + 1e-6
    ) {
      text += "\n";
    }
    text += item.str;
    if (item.hasEOL) text += "\n";
    if (item.str.trim().length > 0) {
      lastY = y;
      lastHeight = height;
    }
  }
  return text
    .split("\n")
    .map((line) => line.replace(/\s+$/u, ""))
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

function pdfError(error: unknown): InputError {
  const name = error instanceof Error ? error.name : "";
  if (name === "PasswordException") {
    return new InputError(
      "pdf.encrypted",
      "the PDF is protected with a password",
      {},
      { cause: error },
    );
  }
  return new InputError(
    "pdf.corrupt",
    `the PDF can't be read: ${describe(error)}`,
    {},
    { cause: error },
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
