/** Page layout shared by the OCR engines: recognized words and lines, and their paragraphs. */
import { fixLineScripts } from "./script-fix.js";
import type { OcrParagraph } from "./types.js";

/** A recognized word with the engine's confidence (0-100) and its box, in pixels. */
export interface OcrWord {
  text: string;
  confidence: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** A recognized line: its words, the block it belongs to, and its vertical extent. */
export interface WordLine {
  /** Lines of one block share this key; blocks come in reading order. */
  block: string;
  words: OcrWord[];
  top: number;
  bottom: number;
  /** The height of a text row on this line (ascenders to descenders). */
  rowHeight: number;
}

/** A line as {@link splitAtGaps} needs it. */
export interface PlacedLine {
  text: string;
  confidence: number;
  top: number;
  bottom: number;
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

/**
 * A page's lines as paragraphs ({@link splitAtGaps} per block, short look-alike words put in
 * their line's script by {@link fixLineScripts}) and the mean word confidence.
 */
export function linesToPage(lines: readonly WordLine[]): {
  paragraphs: OcrParagraph[];
  confidence: number;
} {
  const blocks = new Map<string, PlacedLine[]>();
  const confidences: number[] = [];
  for (const line of lines) {
    const words = line.words.filter((word) => word.text.trim().length > 0);
    if (words.length === 0) continue;
    confidences.push(...words.map((word) => word.confidence));
    const placed = {
      text: fixLineScripts(words.map((word) => word.text.trim())).join(" "),
      confidence: mean(words.map((word) => word.confidence)),
      top: line.top,
      bottom: line.bottom,
      rowHeight: line.rowHeight,
    };
    blocks.set(line.block, [...(blocks.get(line.block) ?? []), placed]);
  }
  return {
    paragraphs: [...blocks.values()].flatMap((block) => splitAtGaps(block)),
    confidence: mean(confidences),
  };
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}
