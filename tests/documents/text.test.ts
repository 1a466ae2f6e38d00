import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { detectLanguage, isRealText } from "../../src/services/documents/index.js";
import { characterErrorRate, levenshtein } from "../support/text-images.js";

describe("detectLanguage", () => {
  it("tells Russian, English and mixed text apart by alphabet", () => {
    assert.equal(detectLanguage("Привет, как дела? Всё хорошо."), "ru");
    assert.equal(detectLanguage("Hello, how are you? All good."), "en");
    assert.equal(detectLanguage("Отчёт за квартал: revenue grew"), "mixed");
    assert.equal(
      detectLanguage("Москва — столица России и крупнейший город страны (Moscow)"),
      "ru",
    );
    assert.equal(detectLanguage("12 345 — 67%"), "unknown");
  });
});

describe("isRealText", () => {
  it("accepts a normal text layer", () => {
    assert.ok(isRealText("Invoice number 42 for March services"));
    assert.ok(isRealText("Счёт № 42 за услуги в марте"));
  });

  it("rejects stray page numbers, symbol soup and broken-font mojibake", () => {
    assert.equal(isRealText("  12  "), false);
    assert.equal(isRealText("•••• ---- //// •••• ---- //// ****"), false);
    assert.equal(
      isRealText("\uFFFD\uFFFD\uFFFD abc \uFFFD\uFFFD def \uFFFD\uFFFD\uFFFD ghi jkl mno"),
      false,
    );
    assert.equal(isRealText("\uE001\uE002\uE003\uE004 abcdefghijklmnopqrstu"), false);
  });
});

describe("test helpers", () => {
  it("computes Levenshtein distance and CER after whitespace normalization", () => {
    assert.equal(levenshtein("kitten", "sitting"), 3);
    assert.equal(levenshtein("ёж", "еж"), 1);
    assert.equal(characterErrorRate("a  b\nc", "a b c"), 0);
    assert.equal(characterErrorRate("abcd", "abed"), 0.25);
  });
});
