/**
 * Cutting a stored result into passages: small enough to quote as a source and for five of
 * them to fit a small chat model's context beside the question (about 1,000 tokens), large
 * enough to hold a fact with the sentence around it. Documents are cut by page (a source
 * names its page), recordings by speech windows (a source names its time span), plain text
 * by paragraphs.
 */
import type { IndexSource, Passage, PassagePlace } from "./types.js";

/** Paragraphs are merged up to this many characters. */
export const PASSAGE_TARGET_CHARS = 600;
/** A passage never exceeds this; a longer paragraph is split at sentences, then words. */
export const PASSAGE_MAX_CHARS = 900;
/** A recording's window closes once it spans this long and holds a target's worth of text... */
export const WINDOW_MIN_S = 30;
/** ...and always before it would span longer than this. */
export const WINDOW_MAX_S = 60;

const squash = (text: string) => text.replace(/\s+/g, " ").trim();

/** Splits `text` into pieces of at most `max` characters, at sentence ends, else at spaces. */
function splitLong(text: string, max: number): string[] {
  if (text.length <= max) return [text];
  const sentences = text.match(/[^.!?…]+(?:[.!?…]+["»”)]*\s*|$)/g) ?? [text];
  const pieces: string[] = [];
  let current = "";
  const flush = () => {
    if (current.trim()) pieces.push(current.trim());
    current = "";
  };
  for (const sentence of sentences) {
    if (current && current.length + sentence.length > max) flush();
    if (sentence.length <= max) {
      current += sentence;
      continue;
    }
    // One sentence longer than a passage (a table row, OCR without punctuation): cut at words.
    for (const word of sentence.split(/(?<=\s)/)) {
      if (current && current.length + word.length > max) flush();
      current += word.length > max ? `${word.slice(0, max)} ` : word;
    }
  }
  flush();
  return pieces;
}

/** Cuts prose into passages: paragraphs merged up to the target, long ones split. */
export function cutText(text: string): string[] {
  const paragraphs = text
    .split(/\n\s*\n|\r\n\s*\r\n/)
    .map(squash)
    .filter((p) => p.length > 0)
    .flatMap((p) => splitLong(p, PASSAGE_MAX_CHARS));
  const passages: string[] = [];
  let current = "";
  for (const paragraph of paragraphs) {
    if (current && current.length + 1 + paragraph.length > PASSAGE_TARGET_CHARS) {
      passages.push(current);
      current = "";
    }
    current = current ? `${current}\n${paragraph}` : paragraph;
  }
  if (current) passages.push(current);
  return passages;
}

type Segment = NonNullable<IndexSource["segments"]>[number];

/** Groups a recording's segments into windows of 30-60 s (or a passage's worth of text). */
export function cutSegments(
  segments: readonly Segment[],
): { text: string; startS: number; endS: number }[] {
  const windows: { text: string; startS: number; endS: number }[] = [];
  let open: { text: string; startS: number; endS: number } | undefined;
  for (const segment of segments) {
    const text = squash(segment.text);
    if (!text) continue;
    if (
      open &&
      (segment.endS - open.startS > WINDOW_MAX_S ||
        open.text.length + 1 + text.length > PASSAGE_MAX_CHARS ||
        (open.endS - open.startS >= WINDOW_MIN_S && open.text.length >= PASSAGE_TARGET_CHARS / 3))
    ) {
      windows.push(open);
      open = undefined;
    }
    if (open) {
      open.text = `${open.text} ${text}`;
      open.endS = Math.max(open.endS, segment.endS);
    } else {
      // A single segment longer than a passage is split, each piece keeping the segment's span.
      const pieces = splitLong(text, PASSAGE_MAX_CHARS);
      for (const piece of pieces.slice(0, -1)) {
        windows.push({ text: piece, startS: segment.startS, endS: segment.endS });
      }
      open = { text: pieces.at(-1) ?? text, startS: segment.startS, endS: segment.endS };
    }
  }
  if (open) windows.push(open);
  return windows;
}

/**
 * The passages of a source in reading order: by page when it has pages (a long page by its
 * paragraphs, each keeping the page number), by speech windows when it has timed segments,
 * else by paragraphs of its text.
 */
export function cutPassages(source: IndexSource): Passage[] {
  const cut: { text: string; place: PassagePlace }[] = [];
  if (source.pages && source.pages.length > 0) {
    for (const { page, text } of source.pages) {
      for (const piece of cutText(text)) cut.push({ text: piece, place: { page } });
    }
  } else if (source.segments && source.segments.length > 0) {
    for (const { text, startS, endS } of cutSegments(source.segments)) {
      cut.push({ text, place: { startS, endS } });
    }
  } else {
    for (const piece of cutText(source.text)) cut.push({ text: piece, place: {} });
  }
  return cut.map((passage, ord) => ({ ord, ...passage }));
}
