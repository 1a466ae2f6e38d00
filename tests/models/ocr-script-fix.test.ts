import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import {
  chooseScript,
  definiteScript,
  findSuspects,
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

  it("suspects longer look-alike words (Latin ones always, Cyrillic ones beside Latin words) and short ones between scripts", () => {
    const suspects = (line: string) =>
      findSuspects(line.split(" ")).map(({ index, script, other, context }) => ({
        word: line.split(" ")[index],
        script,
        other,
        context,
      }));
    assert.deepEqual(suspects("Сервер Apple Мас Pro теперь"), [
      { word: "Мас", script: "cyrillic", other: "Mac", context: "latin" },
    ]);
    assert.deepEqual(suspects("We ordered a TopT and some caxap for"), [
      { word: "TopT", script: "latin", other: "торт", context: "latin" },
      { word: "caxap", script: "latin", other: "сахар", context: "latin" },
    ]);
    // Russian look-alike words among Russian ones are common and fine: no extra work.
    assert.deepEqual(suspects("Это все как текст на том сервере"), []);
    // Short words are rule 1's, unless their neighbours are in different scripts.
    assert.deepEqual(suspects("We ordered а cake"), []);
    assert.deepEqual(suspects("Please bring {Не документы and"), [
      { word: "{Не", script: "cyrillic", other: "{He", context: undefined },
    ]);
  });

  it("switches a suspect on a clear confidence win, or on a near tie the context agrees with", () => {
    const mac = { index: 2, script: "cyrillic", other: "Mac", context: "latin" } as const;
    assert.equal(chooseScript(mac, 96, 96), true);
    assert.equal(chooseScript({ ...mac, context: undefined }, 96, 96), false);
    const sugar = { index: 5, script: "latin", other: "сахар", context: "latin" } as const;
    assert.equal(chooseScript(sugar, 92, 97), true);
    assert.equal(chooseScript({ ...sugar, script: "cyrillic", other: "caxap" }, 97, 92), false);
    assert.equal(chooseScript({ ...sugar, other: "copy" }, 96, 90), false);
  });
});
