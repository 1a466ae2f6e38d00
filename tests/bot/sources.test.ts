import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { documentAnswerText } from "../../src/bot/format/sources.js";
import { createI18n } from "../../src/bot/i18n.js";
import type { DocumentAnswer, Source } from "../../src/jobs/index.js";

const i18n = createI18n();
const t = (locale: string) => (key: string, variables?: Record<string, string | number>) =>
  i18n.t(locale, key, variables);

const answer = (fields: Partial<DocumentAnswer>): DocumentAnswer => ({
  resultId: 1,
  found: true,
  text: "Hangar 14.",
  sources: [],
  language: "en",
  truncated: false,
  ...fields,
});

describe("an answer about a document as the bot shows it", () => {
  it("ends with its sources: pages, time codes, or the quote alone", () => {
    const sources: Source[] = [
      { place: { page: 9 }, quote: "The pumps are in hangar 14." },
      { place: { startS: 761, endS: 790 }, quote: "В ангаре 14." },
      { place: {}, quote: "Plain text." },
    ];
    assert.equal(
      documentAnswerText(t("en"), answer({ sources })),
      "Hangar 14.\n\n📎 Sources:\np. 9 — “The pumps are in hangar 14.”\n12:41 — “В ангаре 14.”\n“Plain text.”",
    );
    assert.equal(
      documentAnswerText(t("ru"), answer({ sources: sources.slice(0, 1) })),
      "Hangar 14.\n\n📎 Источники:\nс. 9 — «The pumps are in hangar 14.»",
    );
  });

  it("says the document doesn't tell, with the nearest places when there are any", () => {
    const nearest = [{ place: { page: 3 }, quote: "Pumps are blue." }];
    assert.equal(
      documentAnswerText(t("en"), answer({ found: false, text: "", sources: nearest })),
      "I couldn't find that in the document.\n\nNearest places:\np. 3 — “Pumps are blue.”",
    );
    assert.equal(
      documentAnswerText(t("ru"), answer({ found: false, text: "", sources: [] })),
      "Я не нашёл этого в документе.",
    );
  });
});
