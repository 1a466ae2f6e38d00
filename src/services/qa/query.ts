/**
 * A question turned into a full-text query: its content words and numbers, each reduced to a
 * stem and searched as a prefix, OR-ed for BM25 to rank. FTS5's porter stemmer is English
 * only; cutting Russian and English endings and searching the rest as a prefix finds
 * "насоса" for "насос" and "warranties" for "warranty" in both languages with one index
 * (bench:qa measures the recall). Every term is emitted as a quoted string of letters and
 * digits only, so no input (quotes, NEAR, *, parentheses, column filters) can reach FTS5's
 * syntax.
 */

/** More terms than this add nothing to the ranking but time (a pasted page as a question). */
export const MAX_QUERY_TERMS = 24;
/** A stem shorter than this matches too many words as a prefix (bench:qa: 3 finds "Веги" for "Вега", 4 does not). */
const MIN_STEM = 3;

const STOP_WORDS = new Set(
  `a about above after again all also am an and any are as at be because been before being
  below between both but by can could did do does doing down during each few for from further
  had has have having he her here hers him his how i if in into is it its itself just me more
  most my no nor not now of off on once only or other our out over own same she should so some
  such than that the their them then there these they this those through to too under until up
  very was we were what when where which while who whom why will with would you your yours
  tell say says said please much many long does give know find show document text page
  и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее её
  мне было вот от меня еще ещё нет о из ему теперь когда даже ну вдруг ли если уже или ни быть
  был него до вас нибудь опять уж вам ведь там потом себя ничего ей может они тут где есть надо
  ней для мы тебя их чем была сам чтоб без будто чего раз тоже себе под будет ж тогда кто этот
  того потому этого какой совсем ним здесь этом один почти мой тем чтобы нее сейчас были куда
  зачем всех никогда можно при наконец два об другой хоть после над больше тот через эти нас
  про всего них какая много разве три эту моя впрочем хорошо свою этой перед иногда лучше чуть
  том нельзя такой им более всегда конечно всю между это как какие каков какова каково каковы
  сколько скажи скажите расскажи документ документе текст тексте странице`.split(/\s+/),
);

/**
 * Endings cut before a prefix search, longest first: Russian noun and adjective case endings
 * and verb endings, English plurals and suffixes. A light cut, not a stemmer: the prefix
 * search does the rest.
 */
const ENDINGS = [
  "иями",
  "ями",
  "ами",
  "ого",
  "его",
  "ому",
  "ему",
  "ыми",
  "ими",
  "ией",
  "иях",
  "ях",
  "ах",
  "ов",
  "ев",
  "ей",
  "ой",
  "ий",
  "ый",
  "ая",
  "яя",
  "ое",
  "ее",
  "ые",
  "ие",
  "ом",
  "ем",
  "ам",
  "ям",
  "ую",
  "юю",
  "ть",
  "ет",
  "ут",
  "ют",
  "ит",
  "ат",
  "ят",
  "а",
  "я",
  "о",
  "е",
  "ы",
  "и",
  "у",
  "ю",
  "ь",
  "й",
  "ies",
  "ing",
  "ed",
  "es",
  "s",
  "y",
];

/** Lower case, ё as е (as the index stores it), diacritics of Latin letters dropped. */
export function foldText(text: string): string {
  return text
    .toLowerCase()
    .replace(/ё/g, "е")
    .normalize("NFD")
    .replace(/(?<=[a-z])\p{M}+/gu, "")
    .normalize("NFC");
}

/** The word with one ending cut, or the word when what would remain is too short to search. */
export function stem(word: string): string {
  for (const ending of ENDINGS) {
    if (word.endsWith(ending) && word.length - ending.length >= MIN_STEM) {
      return word.slice(0, -ending.length);
    }
  }
  return word;
}

/** A question's searchable terms: content words and numbers, folded, in order, once each. */
export function searchTerms(question: string): string[] {
  const words = foldText(question).match(/[\p{L}\p{N}]+/gu) ?? [];
  const terms: string[] = [];
  for (const word of words) {
    if (STOP_WORDS.has(word)) continue;
    // Single letters are noise; single digits are not ("version 7").
    if (word.length < 2 && !/\p{N}/u.test(word)) continue;
    if (!terms.includes(word)) terms.push(word);
    if (terms.length === MAX_QUERY_TERMS) break;
  }
  return terms;
}

/**
 * The FTS5 query for `terms` (from {@link searchTerms}): numbers and short words match whole,
 * longer words as the prefix of their stem. Empty when there is nothing to search.
 */
export function ftsQuery(terms: readonly string[]): string {
  return terms
    .map((term) => {
      // A term is letters and digits only; the quotes make FTS5 read it as a plain string.
      if (/\p{N}/u.test(term) || term.length < MIN_STEM) return `"${term}"`;
      return `"${stem(term)}"*`;
    })
    .join(" OR ");
}
