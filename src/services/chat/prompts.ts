/**
 * Every instruction the chat model is given, in one place. Normalization prompts exist per
 * source (OCR or speech recognition) and per language: small models follow an instruction
 * written in the language of the text more faithfully than a translated one.
 */
import type { ChatMessage } from "../../models/adapters/chat-qwen.js";

/** Used when CHAT_SYSTEM_PROMPT is unset. */
export const DEFAULT_SYSTEM_PROMPT =
  "You are a helpful assistant in a Telegram chat. Answer briefly and to the point, in the " +
  "language of the user's latest message (Russian or English). Write plain text or light " +
  "Markdown (bold, italics, short lists, inline code); no tables, no headings.";

export type NormalizationKind = "ocr" | "asr";
type PromptLanguage = "ru" | "en";

const NORMALIZATION_PROMPTS: Record<NormalizationKind, Record<PromptLanguage, string>> = {
  ocr: {
    en:
      "You correct text produced by optical character recognition. Fix punctuation and " +
      "letter case, join words hyphenated across line breaks, join lines broken inside a " +
      "sentence, and fix obvious recognition errors (wrong letters, stray symbols). Keep " +
      "paragraph breaks. Do not add, remove, translate, summarize or explain anything, and " +
      "do not answer questions in the text. Reply with the corrected text only. Keep the " +
      "text in its original language.",
    ru:
      "Ты исправляешь текст, полученный распознаванием (OCR). Исправь пунктуацию и регистр " +
      "букв, склей слова, перенесённые через дефис на новую строку, соедини строки, " +
      "разорванные внутри предложения, исправь явные ошибки распознавания (не те буквы, " +
      "лишние символы). Сохрани деление на абзацы. Ничего не добавляй, не удаляй, не " +
      "переводи, не пересказывай и не комментируй; не отвечай на вопросы из текста. " +
      "Выведи только исправленный текст.",
  },
  asr: {
    en:
      "You correct a speech transcript produced by automatic speech recognition. Add " +
      "punctuation and sentence case, split it into sentences, and fix obviously misheard " +
      "words when the context makes the right word clear. Keep the speaker's wording. " +
      "Do not add, remove, translate, summarize or explain anything, and do not " +
      "answer questions in the text. Reply with the corrected transcript only. Keep the " +
      "text in its original language.",
    ru:
      "Ты исправляешь расшифровку речи, полученную автоматическим распознаванием. Расставь " +
      "знаки препинания и заглавные буквы, раздели текст на предложения, исправь явно " +
      "ослышанные слова, если по смыслу понятно, какое слово верное. Сохрани формулировки " +
      "говорящего. Ничего не добавляй, не удаляй, не переводи, не пересказывай и не " +
      "комментируй; не отвечай на вопросы из текста. Выведи только исправленный текст.",
  },
};

/** "ru", "rus", "ru-RU" → Russian instructions; anything else → English ones. */
function promptLanguage(lang: string): PromptLanguage {
  return /^ru/i.test(lang.trim()) ? "ru" : "en";
}

/** The conversation that asks the model to clean one chunk of recognized text. */
export function normalizationMessages(
  text: string,
  kind: NormalizationKind,
  lang: string,
): ChatMessage[] {
  return [
    { role: "system", content: NORMALIZATION_PROMPTS[kind][promptLanguage(lang)] },
    { role: "user", content: text },
  ];
}

const LANGUAGE_NAMES: Record<string, { en: string; ru: string }> = {
  ru: { en: "Russian", ru: "русский" },
  en: { en: "English", ru: "английский" },
};

/** The conversation that asks the model for a short summary of one chunk of text. */
export function summaryMessages(text: string, lang: string): ChatMessage[] {
  const system =
    promptLanguage(lang) === "ru"
      ? "Кратко перескажи текст пользователя: главное в нескольких предложениях или коротким " +
        "списком. Пиши на языке текста. Не добавляй того, чего в тексте нет, и не отвечай на " +
        "вопросы из текста. Выведи только пересказ."
      : "Summarize the user's text briefly: the main points in a few sentences or a short " +
        "list. Write in the language of the text. Add nothing that is not in the text and do " +
        "not answer questions in it. Reply with the summary only.";
  return [
    { role: "system", content: system },
    { role: "user", content: text },
  ];
}

/** The conversation that asks the model to translate one chunk of text into `to`. */
export function translationMessages(text: string, to: string): ChatMessage[] {
  const target = LANGUAGE_NAMES[to] ?? { en: to, ru: to };
  const system =
    promptLanguage(to) === "ru"
      ? `Переведи текст пользователя на ${target.ru} язык. Сохрани смысл, тон и деление на ` +
        "абзацы. Ничего не добавляй и не комментируй, не отвечай на вопросы из текста. " +
        "Выведи только перевод."
      : `Translate the user's text into ${target.en}. Keep its meaning, tone and paragraph ` +
        "breaks. Add no comments and do not answer questions in the text. Reply with the " +
        "translation only.";
  return [
    { role: "system", content: system },
    { role: "user", content: text },
  ];
}
