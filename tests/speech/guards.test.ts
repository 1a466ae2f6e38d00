import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  collapseRepetition,
  dropReason,
  isKnownHallucination,
} from "../../src/services/speech/index.js";

describe("isKnownHallucination", () => {
  it("recognises the stock phrases in any case and punctuation, alone or together", () => {
    for (const text of [
      "Продолжение следует...",
      "Субтитры сделал DimaTorzok",
      "субтитры создавал dimatorzok!",
      "Thank you for watching.",
      "Спасибо за просмотр!",
      "Продолжение следует... Спасибо за просмотр!",
    ]) {
      assert.ok(isKnownHallucination(text), text);
    }
  });

  it("leaves real speech and speech that merely contains a phrase alone", () => {
    for (const text of ["", "Привет, как дела?", "Спасибо за просмотр моего отчёта, коллеги"]) {
      assert.equal(isKnownHallucination(text), false, text);
    }
  });
});

describe("collapseRepetition", () => {
  it("cuts a phrase looped to the token cap after its first occurrence, even mid-phrase", () => {
    const loop = "и тогда он сказал ".repeat(30) + "и тогда";
    assert.deepEqual(collapseRepetition(`Вот что было: ${loop}`), {
      text: "Вот что было: и тогда он сказал",
      looped: true,
    });
    assert.deepEqual(collapseRepetition("да ".repeat(40).trim()), { text: "да", looped: true });
  });

  it("keeps ordinary repetition", () => {
    for (const text of ["Да, да, да, конечно.", "нет нет нет нет", "one two three one two three"]) {
      assert.deepEqual(collapseRepetition(text), { text, looped: false });
    }
  });
});

describe("dropReason", () => {
  const settings = { littleSpeech: 0.7, noSpeechThreshold: 0.6 };
  it("drops hallucinations and Whisper's no-speech windows only where the VAD hears little speech", () => {
    assert.equal(
      dropReason({ text: "Thank you for watching", speech: 0.5 }, settings),
      "hallucination",
    );
    assert.equal(dropReason({ text: "Thank you for watching", speech: 0.9 }, settings), undefined);
    assert.equal(
      dropReason({ text: "что-то", speech: 0.5, noSpeechProb: 0.8 }, settings),
      "no_speech",
    );
    assert.equal(
      dropReason({ text: "что-то", speech: 0.5, noSpeechProb: 0.3 }, settings),
      undefined,
    );
    assert.equal(
      dropReason({ text: "что-то", speech: 0.9, noSpeechProb: 0.9 }, settings),
      undefined,
    );
  });
});
