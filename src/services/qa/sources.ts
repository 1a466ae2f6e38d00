/**
 * The sources under an answer, picked by our code and never by the model: the passages
 * whose content words the answer (and the question) share most, each with its place (a
 * page, a time in the recording) and a short quote, the sentence of the passage that
 * matches best. A small model can't be trusted to cite; the places it was given can.
 */
import { contentStems } from "./guard.js";
import type { Passage, PassagePlace } from "./types.js";

/** Where a source is and what it says there. */
export interface Source {
  readonly place: PassagePlace;
  readonly quote: string;
}

/** Sources under one answer at most. */
export const MAX_SOURCES = 3;
/** A quote's length at most, in characters (an ellipsis marks a cut). */
export const MAX_QUOTE_CHARS = 160;

/**
 * The passages that back `answer` best, as sources: those holding any of the answer's
 * content words, ranked by how many (then by the question's, then by the order they were
 * given in, which is the retrieval order), one per place. With no word shared at all (an
 * answer in another language than the document) the first passages given stand.
 */
export function pickSources(
  answer: string,
  question: string,
  passages: readonly Passage[],
  limit = MAX_SOURCES,
): Source[] {
  const answerStems = new Set(contentStems(answer));
  const questionStems = new Set(contentStems(question));
  const scored = passages.map((passage, rank) => {
    const stems = new Set(contentStems(passage.text));
    return {
      passage,
      rank,
      answer: count(answerStems, stems),
      question: count(questionStems, stems),
    };
  });
  scored.sort((a, b) => b.answer - a.answer || b.question - a.question || a.rank - b.rank);
  // A passage sharing no word with the answer backs nothing, unless none shares any.
  const backing = (scored[0]?.answer ?? 0) > 0 ? scored.filter((s) => s.answer > 0) : scored;
  const sources: Source[] = [];
  const places = new Set<string>();
  for (const { passage } of backing) {
    const key = placeKey(passage.place);
    if (places.has(key)) continue;
    places.add(key);
    sources.push({ place: passage.place, quote: quoteOf(passage.text, `${answer} ${question}`) });
    if (sources.length === limit) break;
  }
  return sources;
}

/**
 * The sentence of `text` sharing most content words with `wanted` (the first on a tie),
 * cut to {@link MAX_QUOTE_CHARS} at a word boundary.
 */
export function quoteOf(text: string, wanted: string, maxChars = MAX_QUOTE_CHARS): string {
  const stems = new Set(contentStems(wanted));
  const sentences = text
    .replace(/\s+/g, " ")
    .split(/(?<=[.!?…])\s+/)
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence !== "");
  let best = sentences[0] ?? "";
  let bestCount = -1;
  for (const sentence of sentences) {
    const shared = count(stems, new Set(contentStems(sentence)));
    if (shared > bestCount) {
      best = sentence;
      bestCount = shared;
    }
  }
  if (best.length <= maxChars) return best;
  const cut = best.slice(0, maxChars - 1);
  const space = cut.lastIndexOf(" ");
  return `${(space > maxChars / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:—–-]+$/, "")}…`;
}

function count(wanted: ReadonlySet<string>, present: ReadonlySet<string>): number {
  let n = 0;
  for (const stem of wanted) if (present.has(stem)) n += 1;
  return n;
}

function placeKey(place: PassagePlace): string {
  if ("page" in place) return `p${place.page}`;
  if ("startS" in place) return `t${place.startS}`;
  return "none";
}

/**
 * Passages sharing content words with the question, most first (reading order on a tie): the
 * ranking of a document cut in memory for one question, which has no full-text index.
 */
export function rankByWords(passages: readonly Passage[], question: string): Passage[] {
  const wanted = new Set(contentStems(question));
  return passages
    .map((passage) => ({
      passage,
      shared: new Set(contentStems(passage.text).filter((stem) => wanted.has(stem))).size,
    }))
    .filter(({ shared }) => shared > 0)
    .sort((a, b) => b.shared - a.shared || a.passage.ord - b.passage.ord)
    .map(({ passage }) => passage);
}
