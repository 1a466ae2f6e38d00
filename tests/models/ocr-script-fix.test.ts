import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import {
  definiteScript,
  fixLineScripts,
  toScript,
} from "../../src/models/adapters/ocr/script-fix.js";

const fixLineText = (text: string) => fixLineScripts(text.split(" ")).join(" ");

describe("OCR script fix", () => {
  it("tells words with a letter only one script has from look-alike-only words", () => {
    assert.equal(definiteScript("страницу"), "cyrillic");
    assert.equal(definiteScript("settings"), "latin");
    assert.equal(definiteScript("https://example.com"), "latin");
    assert.equal(definiteScript("торт"), undefined);
    assert.equal(definiteScript("Ha"), undefined);
    assert.equal(definiteScript("404"), undefined);
  });

  it("puts a short look-alike word into the script of the words around it", () => {
    assert.equal(
      fixLineText("Совещание перенесено Ha следующую неделю"),
      "Совещание перенесено на следующую неделю",
    );
    assert.equal(fixLineText("We ordered а cake and tea."), "We ordered a cake and tea.");
    assert.equal(fixLineText("Ha следующей неделе."), "На следующей неделе.");
  });

  it("leaves longer words, capitals and undecided contexts as read", () => {
    // "торт" inside English is a Russian word the recognizer read right.
    assert.equal(fixLineText("We ordered a торт and tea."), "We ordered a торт and tea.");
    assert.equal(fixLineText("Купите новый PC сегодня"), "Купите новый PC сегодня");
    // Neighbours disagree: no evidence either way.
    assert.deepEqual(fixLineScripts(["страницу", "a", "settings"]), ["страницу", "a", "settings"]);
    assert.equal(toScript("Мас", "latin", false), undefined);
  });

  it("keeps punctuation around the word", () => {
    assert.equal(fixLineText("Он сказал: «Ha» и ушёл"), "Он сказал: «на» и ушёл");
  });
});
