/**
 * Mixed Russian/English lines: Latin and Cyrillic share letter shapes (a/а, c/с, o/о, y/у,
 * H/н in upright print), so tesseract reading `rus+eng` sometimes returns a short word in the
 * wrong script: "на" as Latin "Ha", the English article "a" as Cyrillic "а". The letters are
 * right and only the script is wrong, which breaks search, copy-paste and the clean-up step.
 *
 * The fix here works on text alone, at no extra recognition cost: a word of at most
 * {@link MAX_LETTERS} letters, all of them look-alikes, takes the script of the nearest
 * unambiguous words on both sides of it in its line when they agree.
 *
 * Measured with `npm run bench:ocr` (README): this removes the most frequent script errors
 * on single-language and mixed lines alike. Longer look-alike words are left as read: the
 * recognizer's word model is real evidence there ("торт" inside an English sentence is read
 * right by the native engine, and switching it to the line's script would break it), and
 * re-reading them with each language separately cost as much as a second page pass while the
 * confidences of both readings were too close to decide ("раде" 96.3 vs "page" 96.5).
 */

/** Longer words keep the script the recognizer chose (see the module comment). */
export const MAX_LETTERS = 2;

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
export function toScript(word: string, script: Script, sentenceStart: boolean): string | undefined {
  const chars = [...word];
  const letters = chars.filter((char) => LETTER.test(char));
  if (letters.length === 0 || letters.length > MAX_LETTERS) return undefined;
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

/** The words of one line with short look-alike words put into their neighbours' script. */
export function fixLineScripts(words: readonly string[]): string[] {
  const scripts = words.map(definiteScript);
  const nearest = (from: number, step: 1 | -1): Script | undefined => {
    for (let i = from + step; i >= 0 && i < words.length; i += step) {
      if (scripts[i] !== undefined) return scripts[i];
    }
    return undefined;
  };
  return words.map((word, i) => {
    if (scripts[i] !== undefined) return word;
    const left = nearest(i, -1);
    const right = nearest(i, 1);
    const target =
      left === undefined ? right : right === undefined || right === left ? left : undefined;
    if (target === undefined) return word;
    const sentenceStart = i === 0 || /[.!?]["»)]*$/u.test(words[i - 1]!);
    return toScript(word, target, sentenceStart) ?? word;
  });
}

/** {@link fixLineScripts} over a line of text, words separated by spaces. */
export function fixLineText(text: string): string {
  return fixLineScripts(text.split(" ")).join(" ");
}
