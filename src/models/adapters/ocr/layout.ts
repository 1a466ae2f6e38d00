/** Page layout shared by the OCR engines: how recognized lines become paragraphs. */
import type { OcrParagraph } from "./types.js";

/** A recognized line with its vertical extent, in pixels. */
export interface PlacedLine {
  text: string;
  confidence: number;
  top: number;
  bottom: number;
  /** The height of a text row on this line (ascenders to descenders). */
  rowHeight: number;
}

/**
 * Groups a block's lines into paragraphs: a gap taller than a text line (and, with three or
 * more lines, more than twice the tightest line gap, so double-spaced text stays whole)
 * starts a new paragraph. Tesseract's own paragraph model splits off first lines it takes for
 * headings and merges paragraphs separated by blank space; vertical gaps are steadier.
 */
export function splitAtGaps(lines: readonly PlacedLine[]): OcrParagraph[] {
  const kept = lines.filter((line) => line.text.trim().length > 0);
  const gaps = kept.slice(1).map((line, i) => line.top - kept[i]!.bottom);
  const tightest = gaps.length >= 2 ? Math.max(1, Math.min(...gaps)) : 0;
  const paragraphs: OcrParagraph[] = [];
  kept.forEach((line, i) => {
    const gap = i > 0 ? gaps[i - 1]! : 0;
    const rowHeight = Math.max(line.rowHeight, kept[i - 1]?.rowHeight ?? 0);
    const current = paragraphs.at(-1);
    const entry = { text: line.text.trim(), confidence: line.confidence };
    if (current && !(gap > rowHeight && gap > 2 * tightest)) current.lines.push(entry);
    else paragraphs.push({ lines: [entry] });
  });
  return paragraphs;
}
