/**
 * An answer about a document as the bot shows it: the answer, then its sources, one a line
 * ("p. 9 — “…”", "0:41 — “…”"); or "I couldn't find that in the document" with the nearest
 * places, when the guard turned the model's answer down.
 */
import { timeCode, type DocumentAnswer, type Source } from "../../jobs/index.js";
import type { Translate } from "../progress.js";

export function documentAnswerText(t: Translate, answer: DocumentAnswer): string {
  const lines = answer.sources.map((source) => sourceLine(t, source));
  if (!answer.found) {
    const nearest = lines.length > 0 ? `\n\n${t("qa-nearest")}\n${lines.join("\n")}` : "";
    return `${t("qa-not-found")}${nearest}`;
  }
  const sources = lines.length > 0 ? `\n\n${t("qa-sources")}\n${lines.join("\n")}` : "";
  return `${answer.text}${sources}`;
}

/** "p. 9 — “quote”", "12:41 — “quote”", or the quote alone for text without pages or times. */
export function sourceLine(t: Translate, source: Source): string {
  const place = source.place;
  const where =
    "page" in place
      ? t("qa-page", { page: place.page })
      : "startS" in place
        ? timeCode(place.startS)
        : undefined;
  return where === undefined
    ? `“${source.quote}”`
    : t("qa-source", { place: where, quote: source.quote });
}
