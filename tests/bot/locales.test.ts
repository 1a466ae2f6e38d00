import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, it } from "node:test";
import { errorMessageKey } from "../../src/bot/errors.js";
import { createI18n } from "../../src/bot/i18n.js";
import { ERROR_CODES } from "../../src/shared/errors.js";

function messageIds(locale: string): string[] {
  const source = fs.readFileSync(
    new URL(`../../src/bot/locales/${locale}.ftl`, import.meta.url),
    "utf8",
  );
  return [...source.matchAll(/^([a-z][\w-]*) =/gm)].map((match) => match[1]!).sort();
}

function placeables(locale: string, id: string): string[] {
  const source = fs.readFileSync(
    new URL(`../../src/bot/locales/${locale}.ftl`, import.meta.url),
    "utf8",
  );
  const body = source.split(new RegExp(`^${id} =`, "m"))[1]?.split(/^[a-z][\w-]* =/m)[0] ?? "";
  return [...new Set([...body.matchAll(/\{ \$(\w+) \}/g)].map((match) => match[1]!))].sort();
}

describe("locales", () => {
  it("Russian and English have the same messages with the same placeables", () => {
    const en = messageIds("en");
    assert.deepEqual(messageIds("ru"), en);
    for (const id of en) assert.deepEqual(placeables("ru", id), placeables("en", id), id);
  });

  it("every error code has a message in both languages, without leftover placeables", () => {
    const i18n = createI18n();
    for (const code of ERROR_CODES) {
      for (const locale of ["en", "ru"]) {
        const key = errorMessageKey(code);
        assert.ok(messageIds(locale).includes(key), `${locale} lacks ${key}`);
        const text = i18n.t(locale, key, {
          limitMb: 20,
          maxSeconds: 600,
          maxChars: 1000,
          maxMb: 50,
          seconds: 120,
        });
        assert.doesNotMatch(text, /\{|\$/, `${locale} ${key}: ${text}`);
      }
    }
  });
});
