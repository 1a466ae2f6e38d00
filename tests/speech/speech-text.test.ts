import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decimalToWords, integerToWords } from "../../src/services/speech/numbers.js";
import {
  expandAbbreviations,
  planSpeech,
  spellNumbers,
  splitByScript,
  splitLongSentence,
  splitSentences,
} from "../../src/services/speech/speech-text.js";

describe("numbers", () => {
  it("spells Russian integers with gender and plural agreement", () => {
    assert.equal(integerToWords(0, "ru"), "ноль");
    assert.equal(integerToWords(21, "ru"), "двадцать один");
    assert.equal(integerToWords(112, "ru"), "сто двенадцать");
    assert.equal(integerToWords(1000, "ru"), "одна тысяча");
    assert.equal(integerToWords(2024, "ru"), "две тысячи двадцать четыре");
    assert.equal(integerToWords(11_000, "ru"), "одиннадцать тысяч");
    assert.equal(integerToWords(21_001, "ru"), "двадцать одна тысяча один");
    assert.equal(integerToWords(2_000_000, "ru"), "два миллиона");
    assert.equal(
      integerToWords(1_234_567, "ru"),
      "один миллион двести тридцать четыре тысячи пятьсот шестьдесят семь",
    );
    assert.equal(integerToWords(5_000_000_000, "ru"), "пять миллиардов");
  });

  it("spells English integers", () => {
    assert.equal(integerToWords(0, "en"), "zero");
    assert.equal(integerToWords(15, "en"), "fifteen");
    assert.equal(integerToWords(40, "en"), "forty");
    assert.equal(
      integerToWords(1_234_567, "en"),
      "one million two hundred thirty-four thousand five hundred sixty-seven",
    );
    assert.throws(() => integerToWords(-1, "en"), RangeError);
  });

  it("spells decimals", () => {
    assert.equal(decimalToWords("3", "5", "ru"), "три целых пять десятых");
    assert.equal(decimalToWords("1", "25", "ru"), "одна целая двадцать пять сотых");
    assert.equal(decimalToWords("3", "14", "en"), "three point one four");
  });
});

describe("spellNumbers", () => {
  it("reads numbers, thousands groups and percentages in the run's language", () => {
    assert.equal(spellNumbers("в 2024 году", "ru"), "в две тысячи двадцать четыре году");
    assert.equal(
      spellNumbers("рост 21% и 3,5%", "ru"),
      "рост двадцать один процент и три целых пять десятых процента",
    );
    assert.equal(
      spellNumbers("1 000 000 человек, 5 %", "ru"),
      "один миллион человек, пять процентов",
    );
    assert.equal(
      spellNumbers("1,000,000 users grew 50%", "en"),
      "one million users grew fifty percent",
    );
  });

  it("reads codes with leading zeros and huge numbers digit by digit", () => {
    assert.equal(spellNumbers("code 007", "en"), "code 0 0 7");
    assert.equal(spellNumbers("1234567890123", "en"), "1 2 3 4 5 6 7 8 9 0 1 2 3");
  });
});

describe("text for voices", () => {
  it("expands common abbreviations", () => {
    assert.equal(
      expandAbbreviations("Фрукты, т.е. яблоки и т.д."),
      "Фрукты, то есть яблоки и так далее",
    );
    assert.equal(
      expandAbbreviations("Fruit, e.g. apples, i.e. food, etc."),
      "Fruit, for example apples, that is food, et cetera",
    );
  });

  it("splits sentences and long sentences", () => {
    assert.deepEqual(splitSentences("Раз. Два!\nТри? Четыре… пять"), [
      "Раз.",
      "Два!",
      "Три?",
      "Четыре…",
      "пять",
    ]);
    assert.deepEqual(splitSentences("Pi is 3.14 today."), ["Pi is 3.14 today."]);
    const pieces = splitLongSentence("one two three, four five six, seven eight", 15);
    assert.deepEqual(pieces, ["one two three,", "four five six,", "seven eight"]);
  });

  it("picks the voice by script: Cyrillic → ru, Latin → en, mixed text in runs", () => {
    assert.deepEqual(splitByScript("Привет, мир!", "en"), [{ lang: "ru", text: "Привет, мир!" }]);
    assert.deepEqual(splitByScript("Hello, world!", "ru"), [{ lang: "en", text: "Hello, world!" }]);
    assert.deepEqual(splitByScript("«Привет», world 2 раза", "en"), [
      { lang: "ru", text: "«Привет», " },
      { lang: "en", text: "world 2 " },
      { lang: "ru", text: "раза" },
    ]);
    assert.deepEqual(splitByScript("123 !", "en"), [{ lang: "en", text: "123 !" }]);
  });

  it("plans segments with a pause before each new sentence and numbers in the run's language", () => {
    const plan = planSpeech("Привет, world! Версия 2 — вышла. iPhone 15.", {
      defaultLang: "ru",
      maxSegmentChars: 300,
    });
    assert.deepEqual(plan, [
      { lang: "ru", text: "Привет,", startsSentence: false },
      { lang: "en", text: "world!", startsSentence: false },
      { lang: "ru", text: "Версия два — вышла.", startsSentence: true },
      { lang: "en", text: "iPhone fifteen.", startsSentence: true },
    ]);
    assert.deepEqual(planSpeech("42", { defaultLang: "en", maxSegmentChars: 300 }), [
      { lang: "en", text: "forty-two", startsSentence: false },
    ]);
    assert.deepEqual(planSpeech("— !", { defaultLang: "ru", maxSegmentChars: 300 }), []);
  });
});
