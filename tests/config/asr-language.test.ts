import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../src/config/index.js";
import { WHISPER_LANGUAGE_CODES } from "../../src/config/asr-languages.js";

const TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

const asrLanguage = (value: string) =>
  loadConfig({ BOT_TOKEN: TOKEN, ASR_LANGUAGE: value }).speech.asrLanguage;

describe("ASR_LANGUAGE", () => {
  it("takes 2- and 3-letter codes and English names, normalised to Whisper's code", () => {
    for (const value of ["ru", "rus", "russian", "Russian", " RUS "]) {
      assert.equal(asrLanguage(value), "ru", value);
    }
    assert.equal(asrLanguage("eng"), "en");
    assert.equal(asrLanguage("ger"), "de");
    assert.equal(asrLanguage("deu"), "de");
    assert.equal(asrLanguage("haitian creole"), "ht");
    assert.equal(asrLanguage("haw"), "haw");
    assert.equal(asrLanguage("jav"), "jw");
    assert.equal(asrLanguage("auto"), "auto");
    assert.equal(loadConfig({ BOT_TOKEN: TOKEN }).speech.asrLanguage, "auto");
  });

  it("accepts every language transformers.js's Whisper knows, by code and by name", () => {
    // transformers.js's own table (not exported), read from its source.
    const source = readFileSync(
      new URL(
        "../../node_modules/@huggingface/transformers/src/models/whisper/common_whisper.js",
        import.meta.url,
      ),
      "utf8",
    );
    const table = source.slice(0, source.indexOf("];"));
    const pairs = [...table.matchAll(/\['([a-z]+)', '([a-z ]+)'\]/g)].map((m) => [m[1], m[2]]);
    assert.equal(pairs.length, 99);
    assert.deepEqual(
      WHISPER_LANGUAGE_CODES,
      pairs.map(([code]) => code),
    );
    for (const [code, name] of pairs) {
      assert.equal(asrLanguage(code as string), code);
      assert.equal(asrLanguage(name as string), code);
    }
  });

  it("stops start-up on anything else, listing the accepted values", () => {
    for (const value of ["xx", "klingon", "r", "russ"]) {
      assert.throws(
        () => asrLanguage(value),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          const [problem] = error.problems;
          assert.match(problem ?? "", /^ASR_LANGUAGE: ".+" is not a language Whisper knows/);
          assert.match(problem ?? "", /ru \(russian, rus\)/);
          assert.match(problem ?? "", /en \(english, eng\)/);
          return true;
        },
      );
    }
  });
});
