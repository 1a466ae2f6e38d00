/**
 * What the chat model sees of a document for one question: the whole text when it fits the
 * model's context with room to spare, else the passages retrieval ranks best; and the
 * prompt that asks for an answer from those passages only, in the question's language.
 */
import type { Passage } from "./types.js";

/**
 * Characters per token assumed when fitting a document, on the safe side: Qwen's tokenizer
 * spends about 4 characters of English and 2.5 to 3 of Russian per token.
 */
export const CHARS_PER_TOKEN = 2.5;
/** Share of the context budget a whole document may take; the rest is the prompt and answer. */
export const WHOLE_TEXT_SHARE = 0.6;
/** Passages retrieved for a question about a document too long to send whole. */
export const RETRIEVED_PASSAGES = 6;

export type ContextPlan = { mode: "whole" } | { mode: "retrieve"; limit: number };

/**
 * Whether a document of `chars` characters goes to the model whole, or only its best
 * passages: whole when it fits {@link WHOLE_TEXT_SHARE} of `budgetTokens`.
 */
export function planContext(chars: number, budgetTokens: number): ContextPlan {
  return chars / CHARS_PER_TOKEN <= budgetTokens * WHOLE_TEXT_SHARE
    ? { mode: "whole" }
    : { mode: "retrieve", limit: RETRIEVED_PASSAGES };
}

/** A passage's place as the model sees it: "[p. 3]", "[12:41]" or "[#4]". */
export function passageLabel(passage: Passage, timeCode: (seconds: number) => string): string {
  const place = passage.place;
  if ("page" in place) return `[p. ${place.page}]`;
  if ("startS" in place) return `[${timeCode(place.startS)}]`;
  return `[#${passage.ord + 1}]`;
}

const INSTRUCTIONS: Record<"ru" | "en", string> = {
  en:
    "You answer questions about a document using only the passages below. Quote or " +
    "paraphrase what they say; never add facts, numbers or names they don't contain. If " +
    "the passages don't contain the answer, reply exactly: NOT FOUND. Answer briefly, in English.",
  ru:
    "Ты отвечаешь на вопросы о документе, используя только приведённые ниже отрывки. " +
    "Цитируй или пересказывай то, что в них сказано; не добавляй фактов, чисел и имён, " +
    "которых в них нет. Если в отрывках нет ответа, ответь ровно: NOT FOUND. Отвечай кратко, по-русски.",
};

/** The system and user messages of one question about the passages, in reading order. */
export function questionMessages(
  question: string,
  passages: readonly Passage[],
  language: "ru" | "en",
  timeCode: (seconds: number) => string,
): { role: "system" | "user"; content: string }[] {
  const ordered = [...passages].sort((a, b) => a.ord - b.ord);
  const context = ordered
    .map((passage) => `${passageLabel(passage, timeCode)} ${passage.text.trim()}`)
    .join("\n\n");
  return [
    { role: "system", content: INSTRUCTIONS[language] },
    { role: "user", content: `${context}\n\n---\n${question.trim()}` },
  ];
}

/** The model's own "not found" (see the instructions), said in any case, maybe with a full stop. */
export function saysNotFound(answer: string): boolean {
  return /^\W*not found\W*$/i.test(answer.trim());
}
