/**
 * The OCR task as models see it: an image in, text with its layout out. Adapters (tesseract.js,
 * a native CLI, a neural OCR model) implement {@link OcrEngine}; services hold a
 * `ModelHandle<OcrInput, OcrResult>` and never see which engine answers.
 */

/** One OCR job. */
export interface OcrInput {
  /** An encoded image (PNG preferred; JPEG, WebP, TIFF also read). */
  image: Uint8Array;
  /**
   * Tesseract language codes to read with, e.g. ["rus", "eng"]. Omitted: every language the
   * engine was loaded with. Must be a subset of those.
   */
  langs?: readonly string[];
}

/** A recognized line with the engine's confidence (0-100). */
export interface OcrLine {
  text: string;
  confidence: number;
}

/** A paragraph: consecutive lines the engine grouped together. */
export interface OcrParagraph {
  lines: OcrLine[];
}

/** What an engine read from one image. */
export interface OcrResult {
  /** Lines joined by "\n", paragraphs by a blank line. */
  text: string;
  /** Mean word confidence, 0-100 (0 when nothing was read). */
  confidence: number;
  paragraphs: OcrParagraph[];
  /** Engine name and version, e.g. "tesseract.js 7.0.0". */
  engine: string;
  /** Languages actually used. */
  langs: string[];
}

/** Anything that can read text from an image. */
export interface OcrEngine {
  recognize(
    image: Uint8Array,
    langs: readonly string[] | undefined,
    signal: AbortSignal,
  ): Promise<OcrResult>;
}

/** Joins paragraphs into the text form of {@link OcrResult.text}. */
export function paragraphsToText(paragraphs: readonly OcrParagraph[]): string {
  return paragraphs
    .map((paragraph) => paragraph.lines.map((line) => line.text).join("\n"))
    .filter((text) => text.length > 0)
    .join("\n\n");
}
