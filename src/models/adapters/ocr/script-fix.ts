/**
 * Mixed Russian/English lines: Latin and Cyrillic share letter shapes (a/а, c/с, o/о, y/у,
 * H/н in upright print), so tesseract reading `rus+eng` sometimes returns a word in the wrong
 * script: "на" as Latin "Ha", the article "a" as Cyrillic "а", "Mac" as Cyrillic "Мас", "сахар"
 * inside an English sentence as Latin "caxap". The letters are right and only the script is
 * wrong, which breaks search, copy-paste and the clean-up step. Two rules, both measured with
 * `npm run bench:ocr` (README):
 *
 * 1. A word of at most {@link MAX_LETTERS} letters, all look-alikes, takes the script of the
 *    nearest unambiguous words on both sides in its line when they agree: text alone, free.
 *    Short words carry too little shape for the recognizer's word model to decide.
 * 2. A longer look-alike-only word whose neighbours are in the other script is a suspect
 *    ({@link findSuspects}): the recognizer's word model is real evidence there ("торт"
 *    inside an English sentence is usually right), so the word is re-read with each language
 *    alone and {@link chooseScript} weighs the two confidences, the context breaking ties.
 *    Single-language pages have next to no suspects, so they pay nothing; re-reading every
 *    word with both languages would cost two more page passes.
 *
 *    A short look-alike word between the two scripts (rule 1 has no context to follow there:
 *    "bring {Не документы" for "bring the документы") is a suspect too.
 * When a suspect switches, the other language's own reading of it is taken when it is one word
 * in that script ("the" for "{Не"), else its letters mapped to the other script.
 *
 * Words whose reading differs in more than the script ("page" read as "раде": д is no g
 * look-alike) are left alone: the two languages' confidences were too close to decide
 * (96 vs 96 on the bench page) and the context is split in "страницу page settings".
 */

/** Longer words are only switched on the evidence of a re-reading (see the module comment). */
export const MAX_LETTERS = 2;
/** Confidence points the other script's reading must win by to switch without context. */
export const CONFIDENCE_MARGIN = 3;
/** The language that reads each script. */
export const SCRIPT_LANGS: Readonly<Record<Script, string>> = { cyrillic: "rus", latin: "eng" };

/** Latin letter -> the Cyrillic letter that prints the same. */
const LATIN_TO_CYRILLIC: Readonly<Record<string, string>> = {
  a: "а",
  c: "с",
  e: "е",
  o: "о",
  p: "р",
  x: "х",
  y: "у",
  A: "А",
  B: "В",
  C: "С",
  E: "Е",
  H: "Н",
  K: "К",
  M: "М",
  O: "О",
  P: "Р",
  T: "Т",
  X: "Х",
  Y: "У",
};

/** Cyrillic lower-case letters printed as small capitals: Latin reads them as capitals. */
const SMALL_CAPS: Readonly<Record<string, string>> = { В: "в", Н: "н", К: "к", М: "м", Т: "т" };

const CYRILLIC_TO_LATIN: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(LATIN_TO_CYRILLIC).map(([latin, cyrillic]) => [cyrillic, latin]),
);

/** в, н, к, м, т: Cyrillic letters whose only look-alike is a Latin capital. */
const SMALL_CAPS_LOWER = new Set(Object.values(SMALL_CAPS));

export type Script = "latin" | "cyrillic";

const LETTER = /\p{L}/u;
const CYRILLIC = /\p{Script=Cyrillic}/u;
const LATIN = /\p{Script=Latin}/u;

/**
 * The script a word is unmistakably in: it has a letter of that script with no look-alike
 * in the other and none of the other script's. Undefined for look-alike-only words, mixed
 * words and words without letters.
 */
export function definiteScript(word: string): Script | undefined {
  let latin = false;
  let cyrillic = false;
  for (const char of word) {
    if (CYRILLIC.test(char))
      cyrillic ||= !(char in CYRILLIC_TO_LATIN) && !SMALL_CAPS_LOWER.has(char);
    else if (LATIN.test(char)) latin ||= !(char in LATIN_TO_CYRILLIC);
  }
  if (latin === cyrillic) return undefined;
  return latin ? "latin" : "cyrillic";
}

/**
 * `word` rewritten in `script` when it is a short look-alike-only word in the other script,
 * else undefined. `sentenceStart` keeps a leading capital ("Ha" -> "На", not "на"). Words in
 * capitals only ("PC", "C") are left alone: they are usually abbreviations read right.
 */
export function toScript(
  word: string,
  script: Script,
  sentenceStart: boolean,
  maxLetters = MAX_LETTERS,
): string | undefined {
  const chars = [...word];
  const letters = chars.filter((char) => LETTER.test(char));
  if (letters.length === 0 || letters.length > maxLetters) return undefined;
  const from = script === "cyrillic" ? LATIN : CYRILLIC;
  if (!letters.every((char) => from.test(char))) return undefined;
  if (letters.every((char) => char !== char.toLowerCase())) return undefined;
  let seenLetter = false;
  const out: string[] = [];
  for (const char of chars) {
    if (!LETTER.test(char)) {
      out.push(char);
      continue;
    }
    const first = !seenLetter;
    seenLetter = true;
    if (script === "latin") {
      const mapped = CYRILLIC_TO_LATIN[char];
      if (mapped === undefined) return undefined;
      out.push(mapped);
    } else {
      const mapped = LATIN_TO_CYRILLIC[char];
      if (mapped === undefined) return undefined;
      // A capital H, T, K, M, B inside a Russian sentence is a small-capital-shaped lower case.
      out.push(first && sentenceStart ? mapped : (SMALL_CAPS[mapped] ?? mapped));
    }
  }
  return out.join("");
}

/** The scripts of the nearest unambiguous words left and right of word `i`. */
function neighbours(scripts: readonly (Script | undefined)[], i: number): [Script?, Script?] {
  const nearest = (step: 1 | -1): Script | undefined => {
    for (let j = i + step; j >= 0 && j < scripts.length; j += step) {
      if (scripts[j] !== undefined) return scripts[j];
    }
    return undefined;
  };
  return [nearest(-1), nearest(1)];
}

/** The script both sides of word `i` agree on (or the only side that has one). */
function context(scripts: readonly (Script | undefined)[], i: number): Script | undefined {
  const [left, right] = neighbours(scripts, i);
  if (left === undefined) return right;
  return right === undefined || right === left ? left : undefined;
}

const sentenceStart = (words: readonly string[], i: number) =>
  i === 0 || /[.!?]["»)]*$/u.test(words[i - 1]!);

/** The script every letter of `word` is in, when it has letters of one script only. */
export function scriptOf(word: string): Script | undefined {
  const letters = [...word].filter((char) => LETTER.test(char));
  if (letters.length > 0 && letters.every((char) => CYRILLIC.test(char))) return "cyrillic";
  if (letters.length > 0 && letters.every((char) => LATIN.test(char))) return "latin";
  return undefined;
}

/** The words of one line with short look-alike words put into their neighbours' script. */
export function fixLineScripts(words: readonly string[]): string[] {
  const scripts = words.map(definiteScript);
  return words.map((word, i) => {
    const target = scripts[i] === undefined ? context(scripts, i) : undefined;
    if (target === undefined) return word;
    return toScript(word, target, sentenceStart(words, i)) ?? word;
  });
}

/** A longer look-alike word that may be in the wrong script, and what it would be otherwise. */
export interface Suspect {
  /** Index of the word in its line. */
  index: number;
  /** The script it was read in. */
  script: Script;
  /** The same letters in the other script. */
  other: string;
  /** The script of the words around it, when both sides agree. */
  context: Script | undefined;
}

/**
 * The words of a line worth re-reading: look-alike-only words of more than
 * {@link MAX_LETTERS} letters that either have an unambiguous neighbour in the other script,
 * or are Latin, and shorter ones whose neighbours are in different scripts. English has few
 * such long words ("copy", "cope") while Russian has many ("все", "как", "текст"), and a
 * Russian word inside an English sentence comes back Latin ("caxap", "TopT") with nothing
 * around it to tell; so Latin ones are always checked, Cyrillic ones only against the context.
 */
export function findSuspects(words: readonly string[]): Suspect[] {
  const scripts = words.map(definiteScript);
  return words.flatMap((word, i): Suspect[] => {
    const script = scriptOf(word);
    if (scripts[i] !== undefined || script === undefined) return [];
    const flipped = script === "latin" ? "cyrillic" : "latin";
    const [left, right] = neighbours(scripts, i);
    const letters = [...word].filter((char) => LETTER.test(char)).length;
    if (letters <= MAX_LETTERS && (left === undefined || right === undefined || left === right))
      return [];
    if (script === "cyrillic" && left !== flipped && right !== flipped) return [];
    const other = toScript(word, flipped, sentenceStart(words, i), Infinity);
    return other === undefined ? [] : [{ index: i, script, other, context: context(scripts, i) }];
  });
}

/**
 * Whether a suspect switches script, given its confidence read with its own script's language
 * and with the other's: a clear win switches it, a near tie follows the context.
 */
export function chooseScript(suspect: Suspect, own: number, other: number): boolean {
  const gain = other - own;
  if (gain >= CONFIDENCE_MARGIN) return true;
  const flipped = suspect.script === "latin" ? "cyrillic" : "latin";
  return gain > -CONFIDENCE_MARGIN && suspect.context === flipped;
}
