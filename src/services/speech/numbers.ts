/**
 * Cardinal numbers as words in Russian and English, so the voices read "1500" as
 * "одна тысяча пятьсот" / "one thousand five hundred" instead of skipping digits.
 * Integers up to 999 999 999 999; callers read longer digit strings digit by digit.
 */

/** The largest integer {@link integerToWords} spells. */
export const MAX_SPELLED_INTEGER = 999_999_999_999;

/** Languages with number spelling; others keep their digits. */
export type NumberLang = "ru" | "en";

type Gender = "masculine" | "feminine";

const RU_UNITS_M = [
  "",
  "один",
  "два",
  "три",
  "четыре",
  "пять",
  "шесть",
  "семь",
  "восемь",
  "девять",
];
const RU_UNITS_F = [
  "",
  "одна",
  "две",
  "три",
  "четыре",
  "пять",
  "шесть",
  "семь",
  "восемь",
  "девять",
];
const RU_TEENS = [
  "десять",
  "одиннадцать",
  "двенадцать",
  "тринадцать",
  "четырнадцать",
  "пятнадцать",
  "шестнадцать",
  "семнадцать",
  "восемнадцать",
  "девятнадцать",
];
const RU_TENS = [
  "",
  "",
  "двадцать",
  "тридцать",
  "сорок",
  "пятьдесят",
  "шестьдесят",
  "семьдесят",
  "восемьдесят",
  "девяносто",
];
const RU_HUNDREDS = [
  "",
  "сто",
  "двести",
  "триста",
  "четыреста",
  "пятьсот",
  "шестьсот",
  "семьсот",
  "восемьсот",
  "девятьсот",
];
/** Scale words: [one, few, many] forms and gender of the counted word. */
const RU_SCALES: readonly { forms: readonly [string, string, string]; gender: Gender }[] = [
  { forms: ["", "", ""], gender: "masculine" },
  { forms: ["тысяча", "тысячи", "тысяч"], gender: "feminine" },
  { forms: ["миллион", "миллиона", "миллионов"], gender: "masculine" },
  { forms: ["миллиард", "миллиарда", "миллиардов"], gender: "masculine" },
];

const EN_UNITS = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
const EN_TEENS = [
  "ten",
  "eleven",
  "twelve",
  "thirteen",
  "fourteen",
  "fifteen",
  "sixteen",
  "seventeen",
  "eighteen",
  "nineteen",
];
const EN_TENS = [
  "",
  "",
  "twenty",
  "thirty",
  "forty",
  "fifty",
  "sixty",
  "seventy",
  "eighty",
  "ninety",
];
const EN_SCALES = ["", "thousand", "million", "billion"];

/**
 * Picks the Russian noun form that agrees with `n`: 1 (and 21, 31…) → one,
 * 2–4 (22–24…) → few, everything else including 11–14 → many.
 */
export function russianPlural<T>(n: number, forms: readonly [T, T, T]): T {
  const lastTwo = n % 100;
  const last = n % 10;
  if (lastTwo >= 11 && lastTwo <= 14) return forms[2];
  if (last === 1) return forms[0];
  if (last >= 2 && last <= 4) return forms[1];
  return forms[2];
}

function russianTriple(n: number, gender: Gender): string[] {
  const words: string[] = [];
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  if (hundreds) words.push(RU_HUNDREDS[hundreds] ?? "");
  if (rest >= 10 && rest < 20) words.push(RU_TEENS[rest - 10] ?? "");
  else {
    if (rest >= 20) words.push(RU_TENS[Math.floor(rest / 10)] ?? "");
    const unit = rest % 10;
    if (unit) words.push((gender === "feminine" ? RU_UNITS_F : RU_UNITS_M)[unit] ?? "");
  }
  return words;
}

function englishTriple(n: number): string[] {
  const words: string[] = [];
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  if (hundreds) words.push(EN_UNITS[hundreds] ?? "", "hundred");
  if (rest >= 10 && rest < 20) words.push(EN_TEENS[rest - 10] ?? "");
  else if (rest >= 20) {
    const unit = rest % 10;
    words.push(
      unit
        ? `${EN_TENS[Math.floor(rest / 10)]}-${EN_UNITS[unit]}`
        : (EN_TENS[Math.floor(rest / 10)] ?? ""),
    );
  } else if (rest) words.push(EN_UNITS[rest] ?? "");
  return words;
}

/**
 * Spells a non-negative integer ≤ {@link MAX_SPELLED_INTEGER}. `gender` applies to
 * Russian units ("одна" vs "один"), for agreement with a feminine noun.
 */
export function integerToWords(n: number, lang: NumberLang, gender: Gender = "masculine"): string {
  if (!Number.isInteger(n) || n < 0 || n > MAX_SPELLED_INTEGER) {
    throw new RangeError(`integerToWords: ${n} is out of range`);
  }
  if (n === 0) return lang === "ru" ? "ноль" : "zero";
  const words: string[] = [];
  for (let scale = 3; scale >= 0; scale--) {
    const triple = Math.floor(n / 1000 ** scale) % 1000;
    if (!triple) continue;
    if (lang === "ru") {
      const { forms, gender: scaleGender } = RU_SCALES[scale] ?? { forms: ["", "", ""], gender };
      words.push(...russianTriple(triple, scale === 0 ? gender : scaleGender));
      if (scale > 0) words.push(russianPlural(triple, forms));
    } else {
      words.push(...englishTriple(triple));
      if (scale > 0) words.push(EN_SCALES[scale] ?? "");
    }
  }
  return words.join(" ");
}

const RU_FRACTIONS: readonly (readonly [string, string, string])[] = [
  ["десятая", "десятых", "десятых"],
  ["сотая", "сотых", "сотых"],
  ["тысячная", "тысячных", "тысячных"],
];

/**
 * Spells a decimal given as its integer and fractional digit strings ("3", "14"):
 * "три целых четырнадцать сотых" / "three point one four". Russian fractions longer
 * than three digits are read as "запятая" and the digits as a number.
 */
export function decimalToWords(integer: string, fraction: string, lang: NumberLang): string {
  const whole = Number(integer);
  if (lang === "en") {
    const digits = [...fraction].map((digit) => (digit === "0" ? "zero" : EN_UNITS[Number(digit)]));
    return `${integerToWords(whole, "en")} point ${digits.join(" ")}`;
  }
  const part = Number(fraction);
  const fractionForms = RU_FRACTIONS[fraction.length - 1];
  if (!fractionForms) return `${integerToWords(whole, "ru")} запятая ${integerToWords(part, "ru")}`;
  const wholeWord = russianPlural(whole, ["целая", "целых", "целых"]);
  const partWord = russianPlural(part, fractionForms);
  return `${integerToWords(whole, "ru", "feminine")} ${wholeWord} ${integerToWords(part, "ru", "feminine")} ${partWord}`;
}
