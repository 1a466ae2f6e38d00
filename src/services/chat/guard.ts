/**
 * The normalization guard: the chat model may clean recognized text, never rewrite it. An
 * output is rejected (and the raw text kept) when it is empty, when it reads like the model
 * answering or refusing instead of cleaning, when its length drifts too far from the input's,
 * or when too few of its words match the input's. Words are compared after folding case,
 * punctuation and hyphenation, and a word one or two letters off still matches: fixing
 * recognition slips is exactly the job.
 */

export interface GuardLimits {
  /** Allowed cleaned/raw length ratio (whitespace collapsed). */
  minLengthRatio: number;
  maxLengthRatio: number;
  /** Minimum share of words matched, taken both ways (recall of raw words, precision of cleaned ones). */
  minWordOverlap: number;
}

export const DEFAULT_GUARD_LIMITS: GuardLimits = Object.freeze({
  minLengthRatio: 0.7,
  maxLengthRatio: 1.3,
  minWordOverlap: 0.6,
});

/** Characters of slack on the length bounds, so a two-word text may gain a comma and a capital. */
const LENGTH_SLACK_CHARS = 5;

const END_OF_PHRASE = String.raw`(?=[\s,.:;!—–-]|$)`;
/** How chat models open an answer ("Sure! Here is the corrected text:"). */
const PREAMBLE = new RegExp(
  String.raw`^["'«]?(?:sure|certainly|of course|okay|here(?:'s| is| are)|the corrected|corrected text|` +
    String.raw`конечно|вот|хорошо|разумеется|исправленный текст)${END_OF_PHRASE}`,
  "iu",
);
/** How chat models refuse or talk about themselves. */
const REFUSAL =
  /\b(?:i can(?:no|['’])t|i am unable|i'm unable|as an ai|language model)\b|я не могу|не могу помочь|как (?:ии|языковая модель)/iu;

/** Why the cleaned text was rejected, or undefined when it is accepted. */
export function checkNormalization(
  raw: string,
  cleaned: string,
  limits: GuardLimits = DEFAULT_GUARD_LIMITS,
): string | undefined {
  const rawFlat = collapse(raw);
  const cleanedFlat = collapse(cleaned);
  if (cleanedFlat === "") return "empty output";
  const preamble = PREAMBLE.exec(cleanedFlat)?.[0];
  if (preamble && !rawFlat.toLowerCase().startsWith(preamble.toLowerCase())) {
    return `output starts like an answer ("${preamble}")`;
  }
  const refusal = REFUSAL.exec(cleanedFlat)?.[0];
  if (refusal && !rawFlat.toLowerCase().includes(refusal.toLowerCase())) {
    return `output contains "${refusal}"`;
  }
  const min = rawFlat.length * limits.minLengthRatio - LENGTH_SLACK_CHARS;
  const max = rawFlat.length * limits.maxLengthRatio + LENGTH_SLACK_CHARS;
  if (cleanedFlat.length < min || cleanedFlat.length > max) {
    const ratio = (cleanedFlat.length / Math.max(1, rawFlat.length)).toFixed(2);
    return `length ratio ${ratio} outside [${limits.minLengthRatio}, ${limits.maxLengthRatio}]`;
  }
  const overlap = wordOverlap(raw, cleaned);
  if (overlap < limits.minWordOverlap) {
    return `word overlap ${overlap.toFixed(2)} below ${limits.minWordOverlap}`;
  }
  return undefined;
}

/**
 * Matched words over the larger word count: min(recall of raw words, precision of cleaned
 * ones), matching one-to-one, exactly first and then within a small edit distance. 1 for two
 * texts without words.
 */
export function wordOverlap(raw: string, cleaned: string): number {
  const rawWords = words(raw);
  const cleanedWords = words(cleaned);
  if (rawWords.length === 0 && cleanedWords.length === 0) return 1;
  const unmatched = new Map<string, number>();
  for (const word of cleanedWords) unmatched.set(word, (unmatched.get(word) ?? 0) + 1);
  const take = (word: string) => {
    const left = unmatched.get(word) ?? 0;
    if (left === 1) unmatched.delete(word);
    else unmatched.set(word, left - 1);
  };
  let matched = 0;
  const misses: string[] = [];
  for (const word of rawWords) {
    if (unmatched.has(word)) {
      take(word);
      matched += 1;
    } else misses.push(word);
  }
  for (const word of misses) {
    const tolerance = word.length >= 8 ? 2 : word.length >= 4 ? 1 : 0;
    if (tolerance === 0) continue;
    for (const candidate of unmatched.keys()) {
      if (editDistanceWithin(word, candidate, tolerance)) {
        take(candidate);
        matched += 1;
        break;
      }
    }
  }
  return matched / Math.max(rawWords.length, cleanedWords.length);
}

/** Lower-case words of letters and digits; hyphenation across line breaks is undone first. */
export function words(text: string): string[] {
  return text
    .replace(/(\p{L})[-\u00AD\u2010]\s*\n\s*(\p{L})/gu, "$1$2")
    .toLowerCase()
    .replaceAll("ё", "е")
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== "");
}

function collapse(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** Levenshtein distance <= limit, computed in a band (words are short, limits 1 or 2). */
function editDistanceWithin(a: string, b: string, limit: number): boolean {
  if (Math.abs(a.length - b.length) > limit) return false;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      const value = Math.min(substitution, previous[j]! + 1, current[j - 1]! + 1);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return false;
    previous = current;
  }
  return previous[b.length]! <= limit;
}
