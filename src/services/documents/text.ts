/** Cheap text heuristics for recognized documents: script-based language and "is this real text". */

/** The language a text is written in, judged by its alphabet. */
export type DetectedLanguage = "ru" | "en" | "mixed" | "unknown";

const CYRILLIC = /\p{Script=Cyrillic}/u;
const LATIN = /\p{Script=Latin}/u;
const LETTER = /\p{L}/u;

/**
 * "ru" when at least 80% of Cyrillic+Latin letters are Cyrillic, "en" when at least 80% are
 * Latin, "mixed" in between, "unknown" without letters of either script. Good enough to pick a
 * reply language and a normalization prompt; not a language identifier.
 */
export function detectLanguage(text: string): DetectedLanguage {
  let cyrillic = 0;
  let latin = 0;
  for (const char of text) {
    if (CYRILLIC.test(char)) cyrillic++;
    else if (LATIN.test(char)) latin++;
  }
  const total = cyrillic + latin;
  if (total === 0) return "unknown";
  if (cyrillic / total >= 0.8) return "ru";
  if (latin / total >= 0.8) return "en";
  return "mixed";
}

/** Thresholds for {@link isRealText}. */
export const REAL_TEXT = {
  /** Fewer non-space characters than this is a stray page number or header, not content. */
  minChars: 20,
  /** At least this share of non-space characters must be letters or digits. */
  minAlnumShare: 0.6,
  /** At most this share may be replacement, control or private-use characters (broken fonts). */
  maxJunkShare: 0.05,
};

/**
 * Whether a PDF text layer holds real text worth using instead of OCR: enough characters,
 * mostly letters and digits, and not the mojibake that fonts without a Unicode map produce.
 */
export function isRealText(text: string): boolean {
  let chars = 0;
  let alnum = 0;
  let junk = 0;
  for (const char of text) {
    if (/\s/u.test(char)) continue;
    chars++;
    if (LETTER.test(char) || /\p{N}/u.test(char)) alnum++;
    else if (/[\uFFFD\p{Cc}\p{Co}\p{Cs}]/u.test(char)) junk++;
  }
  return (
    chars >= REAL_TEXT.minChars &&
    alnum / chars >= REAL_TEXT.minAlnumShare &&
    junk / chars <= REAL_TEXT.maxJunkShare
  );
}
