/**
 * Turns chat text into what a TTS voice can read: common abbreviations expanded,
 * numbers and percentages spelled in the language of the words around them, text split
 * into sentences and into runs of one script (Cyrillic → Russian voice, Latin → English).
 */
import {
  MAX_SPELLED_INTEGER,
  decimalToWords,
  integerToWords,
  russianPlural,
  type NumberLang,
} from "./numbers.js";

/** Abbreviations expanded wherever they occur; each is unambiguous in its script. */
const ABBREVIATIONS: readonly (readonly [RegExp, string])[] = [
  [/(?<![\p{L}])т\.\s?е\./giu, "то есть"],
  [/(?<![\p{L}])т\.\s?д\./giu, "так далее"],
  [/(?<![\p{L}])т\.\s?п\./giu, "тому подобное"],
  [/(?<![\p{L}])т\.\s?к\./giu, "так как"],
  [/(?<![\p{L}])и\s?др\./giu, "и другие"],
  [/(?<![\p{L}])см\.(?=\s)/gu, "смотри"],
  [/(?<![\p{L}])руб\./giu, "рублей"],
  [/(?<![\p{L}])e\.\s?g\./giu, "for example"],
  [/(?<![\p{L}])i\.\s?e\./giu, "that is"],
  [/(?<![\p{L}])etc\./giu, "et cetera"],
  [/(?<![\p{L}])vs\./giu, "versus"],
  [/(?<![\p{L}])Mr\./gu, "Mister"],
  [/(?<![\p{L}])Mrs\./gu, "Missis"],
  [/(?<![\p{L}])Dr\./gu, "Doctor"],
];

/** Expands the abbreviations in {@link ABBREVIATIONS}. */
export function expandAbbreviations(text: string): string {
  return ABBREVIATIONS.reduce(
    (result, [pattern, expansion]) => result.replace(pattern, expansion),
    text,
  );
}

// Integer with optional thousands groups ("1 000 000", "1,000,000"), optional decimal
// part, optional percent sign. A comma followed by exactly three digits is a thousands
// separator; any other comma or dot before digits is a decimal point.
const NUMBER = /(\d{1,3}(?:[ \u00a0,]\d{3})+(?!\d)|\d+)(?:[.,](\d+))?(\s?%)?/gu;

/** Spells the numbers (and "N%") in `text`, a run in one language. */
export function spellNumbers(text: string, lang: NumberLang): string {
  return text.replace(
    NUMBER,
    (match, integerPart: string, fraction: string | undefined, percent: string | undefined) => {
      const digits = integerPart.replace(/[ \u00a0,]/g, "");
      const integer = Number(digits);
      if (integer > MAX_SPELLED_INTEGER || (digits.length > 1 && digits.startsWith("0"))) {
        return [...match].filter((char) => /\d/.test(char)).join(" ");
      }
      const spoken = fraction
        ? decimalToWords(digits, fraction, lang)
        : integerToWords(integer, lang);
      if (!percent) return spoken;
      if (lang === "en") return `${spoken} percent`;
      // Fractions take the genitive singular: "три целых пять десятых процента".
      const noun = fraction
        ? "процента"
        : russianPlural(integer, ["процент", "процента", "процентов"]);
      return `${spoken} ${noun}`;
    },
  );
}

/** Splits text at sentence ends and line breaks; the punctuation stays with its sentence. */
export function splitSentences(text: string): string[] {
  return text
    .split(/(?<=[.!?…])\s+|\n+/u)
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence.length > 0);
}

/**
 * Splits a sentence longer than `maxChars` at clause punctuation, then at spaces,
 * so no piece is longer than `maxChars` unless a single word is.
 */
export function splitLongSentence(sentence: string, maxChars: number): string[] {
  if (sentence.length <= maxChars) return [sentence];
  const pieces: string[] = [];
  let current = "";
  for (const token of sentence.split(/(?<=[,;:—–])\s+|\s+/u)) {
    const candidate = current ? `${current} ${token}` : token;
    if (candidate.length > maxChars && current) {
      pieces.push(current);
      current = token;
    } else current = candidate;
  }
  if (current) pieces.push(current);
  return pieces;
}

/** A stretch of text in one script, spoken by one voice. */
export interface ScriptRun {
  /** "ru" for Cyrillic, "en" for Latin, or the caller's default for text without letters. */
  lang: string;
  text: string;
}

function scriptLang(char: string): "ru" | "en" | undefined {
  if (/\p{Script=Cyrillic}/u.test(char)) return "ru";
  if (/\p{Script=Latin}/u.test(char)) return "en";
  return undefined;
}

/**
 * Splits text into runs of one script. Characters of no script (digits, spaces,
 * punctuation) stay with the run they follow; leading ones join the first run; text
 * without Cyrillic or Latin letters is one run in `defaultLang`.
 */
export function splitByScript(text: string, defaultLang: string): ScriptRun[] {
  const runs: ScriptRun[] = [];
  let pending = "";
  for (const char of text) {
    const lang = scriptLang(char);
    const last = runs.at(-1);
    if (lang === undefined) {
      if (last) last.text += char;
      else pending += char;
    } else if (last && last.lang === lang) {
      last.text += char;
    } else {
      runs.push({ lang, text: pending + char });
      pending = "";
    }
  }
  if (pending) runs.push({ lang: defaultLang, text: pending });
  return runs;
}

/** One piece of speech: a run of one script inside one sentence. */
export interface SpeechSegment {
  lang: string;
  /** Text ready for a voice: abbreviations expanded, numbers spelled. */
  text: string;
  /** True for the first segment of each sentence after the first: a pause goes before it. */
  startsSentence: boolean;
}

export interface SpeechPlanOptions {
  /** Language of text with no letters, e.g. "123". */
  defaultLang: string;
  /** Longest piece handed to a voice in one call. */
  maxSegmentChars: number;
}

/**
 * Plans what each voice says, in order. Segments without a letter (e.g. a lone "—")
 * are dropped: there is nothing to say and some voices fail on empty input.
 */
export function planSpeech(text: string, options: SpeechPlanOptions): SpeechSegment[] {
  const segments: SpeechSegment[] = [];
  const sentences = splitSentences(expandAbbreviations(text)).flatMap((sentence) =>
    splitLongSentence(sentence, options.maxSegmentChars),
  );
  for (const sentence of sentences) {
    let first = segments.length > 0;
    for (const run of splitByScript(sentence, options.defaultLang)) {
      const spoken = (
        run.lang === "ru" || run.lang === "en" ? spellNumbers(run.text, run.lang) : run.text
      ).trim();
      if (!/\p{L}/u.test(spoken)) continue;
      segments.push({ lang: run.lang, text: spoken, startsSentence: first });
      first = false;
    }
  }
  return segments;
}
