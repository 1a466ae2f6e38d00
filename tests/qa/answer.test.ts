import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CHARS_PER_TOKEN,
  planContext,
  questionMessages,
  RETRIEVED_PASSAGES,
  saysNotFound,
  WHOLE_TEXT_SHARE,
} from "../../src/services/qa/answer.js";
import { checkAnswer, numbersIn, timeCode } from "../../src/services/qa/guard.js";
import { MAX_QUOTE_CHARS, pickSources, quoteOf } from "../../src/services/qa/sources.js";
import type { Passage } from "../../src/services/qa/types.js";

const PAGES: Passage[] = [
  {
    ord: 0,
    place: { page: 3 },
    text: "The warehouse in Tver stores spare pumps. It opened in 2019.",
  },
  { ord: 1, place: { page: 7 }, text: "Each pump weighs 1,250 kilograms. Pumps are painted blue." },
  { ord: 2, place: { page: 9 }, text: "The backup generator runs on diesel for 48 hours." },
];

const RUSSIAN: Passage[] = [
  {
    ord: 0,
    place: { startS: 12, endS: 19 },
    text: "Поезд прибывает на третий путь через пять минут.",
  },
  { ord: 1, place: { startS: 761, endS: 770 }, text: "Осенью в лесу много грибов и ягод." },
];

describe("the answer guard", () => {
  it("accepts an answer that says what the passages say", () => {
    assert.deepEqual(checkAnswer("The generator runs on diesel for 48 hours.", PAGES), {
      supported: true,
    });
    assert.deepEqual(checkAnswer("Осенью в лесу много грибов.", RUSSIAN), { supported: true });
    // Inflected forms count: "грибы" and "ягоды" against "грибов" and "ягод".
    assert.deepEqual(checkAnswer("В лесу грибы и ягоды.", RUSSIAN), { supported: true });
  });

  it("turns down an answer whose words are not in the passages", () => {
    const check = checkAnswer("Hello! I am a tiny local model.", PAGES);
    assert.equal(check.supported, false);
    assert.match(check.supported ? "" : check.reason, /content words/);
    assert.equal(
      checkAnswer("The generator is powered by solar panels and wind turbines.", PAGES).supported,
      false,
    );
  });

  it("turns down a number that no passage holds, and accepts numbers written another way", () => {
    const wrong = checkAnswer("The generator runs on diesel for 72 hours.", PAGES);
    assert.deepEqual(wrong, { supported: false, reason: "the number 72 is in no passage" });
    assert.equal(checkAnswer("Each pump weighs 1250 kilograms.", PAGES).supported, true);
    assert.equal(checkAnswer("Each pump weighs 1 250 kilograms.", PAGES).supported, true);
    // A page or a time code the answer names is a place it was given, not an invented number.
    assert.equal(checkAnswer("Page 9: the generator runs on diesel.", PAGES).supported, true);
    assert.equal(checkAnswer("At 12:41 they talk about mushrooms.", RUSSIAN).supported, true);
  });

  it("turns down an empty answer and one that says the passages don't tell", () => {
    assert.equal(checkAnswer("  ", PAGES).supported, false);
    assert.equal(
      checkAnswer("The document does not mention the pump's price.", PAGES).supported,
      false,
    );
    assert.equal(
      checkAnswer("В документе не указано, сколько стоит насос.", RUSSIAN).supported,
      false,
    );
    assert.equal(saysNotFound("NOT FOUND."), true);
    assert.equal(saysNotFound("Not found"), true);
    assert.equal(saysNotFound("Not found in Tver: the pumps are blue."), false);
  });

  it("checks only the numbers of an answer in the other language", () => {
    assert.equal(checkAnswer("Генератор работает на дизеле 48 часов.", PAGES).supported, true);
    assert.equal(checkAnswer("Генератор работает на дизеле 72 часа.", PAGES).supported, false);
  });

  it("reads numbers as written", () => {
    assert.deepEqual(numbersIn("p. 3, 7 and 1,250 kg, 3,5 l, 007"), ["3", "7", "1250", "3.5", "7"]);
  });
});

describe("sources", () => {
  it("names the passages that back the answer, best first, with a short quote", () => {
    const sources = pickSources(
      "The backup generator runs on diesel for 48 hours.",
      "How long does the generator run?",
      PAGES,
    );
    assert.deepEqual(sources[0], {
      place: { page: 9 },
      quote: "The backup generator runs on diesel for 48 hours.",
    });
    // Pages 3 and 7 share no word with the answer: they back nothing.
    assert.equal(sources.length, 1);
    assert.deepEqual(
      pickSources(
        "Each pump weighs 1,250 kilograms; spare pumps are in Tver.",
        "pumps?",
        PAGES,
      ).map((source) => source.place),
      [{ page: 7 }, { page: 3 }],
    );
  });

  it("quotes the sentence that matches best, cut at a word", () => {
    assert.equal(
      quoteOf(PAGES[1]!.text, "what colour are the pumps painted"),
      "Pumps are painted blue.",
    );
    const long = `${"word ".repeat(60)}end.`;
    const quote = quoteOf(long, "end");
    assert.ok(quote.length <= MAX_QUOTE_CHARS, quote);
    assert.ok(quote.endsWith("…"));
    assert.ok(!quote.includes("wor…"), "cut at a word boundary");
  });

  it("keeps one source per place and the retrieval order when no word is shared", () => {
    const twice: Passage[] = [
      { ord: 0, place: { page: 2 }, text: "Alpha beta." },
      { ord: 1, place: { page: 2 }, text: "Gamma delta." },
      { ord: 2, place: { page: 5 }, text: "Epsilon zeta." },
    ];
    assert.deepEqual(
      pickSources("Совсем другой язык.", "вопрос", twice).map((source) => source.place),
      [{ page: 2 }, { page: 5 }],
    );
  });

  it("writes time codes as minutes and seconds, hours when there are any", () => {
    assert.equal(timeCode(7.9), "0:07");
    assert.equal(timeCode(761), "12:41");
    assert.equal(timeCode(3723), "1:02:03");
  });
});

describe("what the model sees", () => {
  it("sends a text that fits the context whole, and the best passages of a longer one", () => {
    const budget = 2048;
    const fits = Math.floor(budget * WHOLE_TEXT_SHARE * CHARS_PER_TOKEN);
    assert.deepEqual(planContext(fits, budget), { mode: "whole" });
    assert.deepEqual(planContext(fits + 10, budget), {
      mode: "retrieve",
      limit: RETRIEVED_PASSAGES,
    });
  });

  it("labels each passage with its place, in reading order, and asks in the question's language", () => {
    const [system, user] = questionMessages(
      "Сколько весит насос?",
      [PAGES[2]!, PAGES[0]!],
      "ru",
      timeCode,
    );
    assert.match(system!.content, /по-русски/);
    assert.match(system!.content, /NOT FOUND/);
    assert.ok(user!.content.indexOf("[p. 3]") < user!.content.indexOf("[p. 9]"));
    assert.ok(user!.content.endsWith("Сколько весит насос?"));
    const [, timed] = questionMessages("q", RUSSIAN, "en", timeCode);
    assert.match(timed!.content, /^\[0:12\] Поезд/);
    assert.match(timed!.content, /\[12:41\] Осенью/);
  });
});
