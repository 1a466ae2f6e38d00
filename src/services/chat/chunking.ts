/**
 * Cutting long recognized text into pieces the chat model can clean in one call each. Whole
 * paragraphs are packed together up to the budget, so the model sees full context and never a
 * paragraph cut in half; only a paragraph longer than the budget is split, at sentence ends,
 * and only a sentence longer than the budget at spaces.
 */

export interface TextChunk {
  text: string;
  /** What joins this chunk to the previous one when the results are put back together. */
  glue: "" | " " | "\n\n";
}

/** A blank line (possibly holding spaces) separates paragraphs. */
const PARAGRAPH_BREAK = /\n[ \t]*(?:\n[ \t]*)+/;
/** Whitespace after a sentence end: . ! ? … optionally followed by a closing quote or bracket. */
const SENTENCE_BREAK = /(?<=[.!?…]["»”')\]]?)\s+/u;

export function chunkText(text: string, maxChars: number): TextChunk[] {
  if (!(maxChars >= 1)) throw new RangeError("maxChars must be at least 1");
  const chunks: TextChunk[] = [];
  let packed: string[] = [];
  let packedLength = 0;
  const flush = () => {
    if (packed.length === 0) return;
    chunks.push({ text: packed.join("\n\n"), glue: chunks.length === 0 ? "" : "\n\n" });
    packed = [];
    packedLength = 0;
  };
  for (const paragraph of text.split(PARAGRAPH_BREAK)) {
    const trimmed = paragraph.trim();
    if (trimmed === "") continue;
    if (trimmed.length > maxChars) {
      flush();
      splitLong(trimmed, maxChars).forEach((piece, index) =>
        chunks.push({ text: piece, glue: chunks.length === 0 ? "" : index === 0 ? "\n\n" : " " }),
      );
      continue;
    }
    const grown = packedLength + (packed.length > 0 ? 2 : 0) + trimmed.length;
    if (grown > maxChars) flush();
    packedLength += (packed.length > 0 ? 2 : 0) + trimmed.length;
    packed.push(trimmed);
  }
  flush();
  return chunks;
}

/** Puts a text back together from processed chunks. */
export function joinChunks(
  chunks: readonly Pick<TextChunk, "glue">[],
  texts: readonly string[],
): string {
  return chunks.map((chunk, index) => chunk.glue + (texts[index] ?? "")).join("");
}

/** Splits one over-long paragraph at sentence ends, packing sentences up to the budget. */
function splitLong(paragraph: string, maxChars: number): string[] {
  const pieces: string[] = [];
  let current = "";
  for (const sentence of paragraph.split(SENTENCE_BREAK)) {
    for (const part of sentence.length > maxChars
      ? splitAtSpaces(sentence, maxChars)
      : [sentence]) {
      if (current !== "" && current.length + 1 + part.length > maxChars) {
        pieces.push(current);
        current = "";
      }
      current = current === "" ? part : `${current} ${part}`;
    }
  }
  if (current !== "") pieces.push(current);
  return pieces;
}

/** Last resort for a "sentence" longer than the budget: cut at spaces, or anywhere if none. */
function splitAtSpaces(sentence: string, maxChars: number): string[] {
  const parts: string[] = [];
  let rest = sentence;
  while (rest.length > maxChars) {
    const space = rest.lastIndexOf(" ", maxChars);
    const cut = space > 0 ? space : maxChars;
    parts.push(rest.slice(0, cut));
    rest = rest.slice(cut).trimStart();
  }
  if (rest !== "") parts.push(rest);
  return parts;
}
