/**
 * The answer guard: an answer about a document may say only what the passages it was given
 * say. The model's answer is rejected (and "I couldn't find that in the document" given
 * instead) when it is empty, when it says itself that the passages don't tell, when a
 * number in it appears nowhere in the passages, or when too few of its content words do.
 * Sources are never the model's: they are picked from the passages by our code.
 *
 * Content words are words of four letters or more outside a short list of function words,
 * compared by their first five letters once a common ending is off, so "грибы" matches
 * "грибов" and "reports" matches "report". An answer in another script than the passages (a Russian question about an
 * English document) can't be compared word by word: only its numbers are checked.
 */
import { words } from "../chat/guard.js";
import { foldText, stem as cutEnding } from "./query.js";
import type { Passage } from "./types.js";

export interface AnswerGuardLimits {
  /** Share of the answer's content words that must occur in the passages. */
  minSupportedShare: number;
}

export const DEFAULT_ANSWER_GUARD: AnswerGuardLimits = Object.freeze({ minSupportedShare: 0.6 });

/** Function words of four letters or more that say nothing about a document. */
const STOP_WORDS = new Set(
  (
    "about also been does from have here into just like more most much only other over " +
    "same some such than that their them then there these they this those very what when " +
    "where which while with would your document text page passage passages answer " +
    "according says said mentioned mention recording " +
    "этот этого этой этом эти это того тому тоже также если есть было были была быть " +
    "будет когда который которая которое которые котором может можно нужно очень потому " +
    "поэтому чтобы через после перед между какой какая какие какое только более менее " +
    "документ документе документа текст тексте текста страница странице записи запись " +
    "говорится сказано указано упоминается"
  ).split(" "),
);

/** How a model says the passages don't hold the answer. */
const NO_ANSWER =
  /\b(?:not (?:mentioned|stated|specified|given|found|provided|in the (?:document|text|passages))|(?:does|do)(?: not|n['’]t) (?:say|mention|contain|specify|state)|no (?:information|mention)|i (?:do not|don['’]t) know|cannot (?:find|answer|determine)|can['’]t (?:find|answer|determine)|unknown)\b|не (?:указан|упомина|сказан|говорит|содерж|могу (?:найти|ответить|определить)|знаю|найден)|нет (?:информации|сведений|данных|ответа)/iu;

export type AnswerCheck = { supported: true } | { supported: false; reason: string };

/** Why the answer is not supported by the passages, or `{ supported: true }`. */
export function checkAnswer(
  answer: string,
  passages: readonly Passage[],
  limits: AnswerGuardLimits = DEFAULT_ANSWER_GUARD,
): AnswerCheck {
  const flat = answer.replace(/\s+/g, " ").trim();
  if (flat === "") return { supported: false, reason: "empty answer" };
  const refusal = NO_ANSWER.exec(flat)?.[0];
  if (refusal)
    return { supported: false, reason: `the answer says it doesn't know ("${refusal}")` };
  const source = passages.map((passage) => passage.text).join("\n");
  const known = new Set([...numbersIn(source), ...passages.flatMap(placeNumbers)]);
  const unknown = numbersIn(flat).find((number) => !known.has(number));
  if (unknown !== undefined)
    return { supported: false, reason: `the number ${unknown} is in no passage` };
  const answerScript = scriptOf(flat);
  const sourceScript = scriptOf(source);
  if (answerScript !== undefined && sourceScript !== undefined && answerScript !== sourceScript)
    return { supported: true };
  const share = supportedShare(flat, source);
  if (share < limits.minSupportedShare)
    return {
      supported: false,
      reason: `${Math.round(share * 100)}% of its content words are in the passages`,
    };
  return { supported: true };
}

/** Share of `text`'s content words found in `source` (1 for a text without any). */
export function supportedShare(text: string, source: string): number {
  const wanted = contentStems(text);
  if (wanted.length === 0) return 1;
  const present = new Set(contentStems(source));
  return wanted.filter((stem) => present.has(stem)).length / wanted.length;
}

/** The stems of a text's content words, in order (repeats kept). */
export function contentStems(text: string): string[] {
  return words(text)
    .filter((word) => word.length >= 4 && !/^\p{N}+$/u.test(word) && !STOP_WORDS.has(word))
    .map(stem);
}

/**
 * A word's first five letters once a common ending is off, by the same cut the full-text
 * search uses: "грибов" and "грибы" are both "гриб".
 */
function stem(word: string): string {
  return cutEnding(foldText(word)).slice(0, 5);
}

/**
 * Numbers as written: spaces between digit groups ("1 000") and a thousands comma or
 * point ("1,000") are dropped, a decimal comma is a point ("3,5" is "3.5"), leading zeros go;
 * "3, 7" are two numbers.
 */
export function numbersIn(text: string): string[] {
  const found = text.match(/\d(?:[\d\u00A0\u202F ,.]*\d)?/g) ?? [];
  return found.flatMap((raw) =>
    raw
      .replace(/[\u00A0\u202F]/g, "")
      .replace(/(\d) (?=\d{3}(?!\d))/g, "$1")
      .split(/[,.]?\s+/)
      .map((part) =>
        part
          .replace(/^(\d{1,3})[,.](\d{3})$/, "$1$2")
          .replace(",", ".")
          .replace(/^0+(?=\d)/, ""),
      ),
  );
}

/** A passage's page or minute:second numbers: an answer may name where it found something. */
function placeNumbers(passage: Passage): string[] {
  const place = passage.place;
  if ("page" in place) return [String(place.page)];
  if ("startS" in place) return numbersIn(timeCode(place.startS));
  return [];
}

/** "Cyrl" or "Latn" by the letters most of the text is written in; undefined without letters. */
function scriptOf(text: string): "Cyrl" | "Latn" | undefined {
  const cyrillic = text.match(/\p{Script=Cyrillic}/gu)?.length ?? 0;
  const latin = text.match(/\p{Script=Latin}/gu)?.length ?? 0;
  if (cyrillic === 0 && latin === 0) return undefined;
  return cyrillic >= latin ? "Cyrl" : "Latn";
}

/** Seconds as a time code: "0:07", "12:41", "1:02:03". */
export function timeCode(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}
