/**
 * Every instruction the vision model is given, in one place.
 *
 * The words matter beyond their meaning: the fixture VLM (scripts/fixtures) picks its answer
 * by word, the way a real model picks its task from the instruction. A prompt with the word
 * `table` gets the table answer, one with `Transcribe` (and no `table`) gets the reading, any
 * other prompt the one-sentence answer. So the table prompt says "table", the reading prompt
 * says "Transcribe" and never "table", and the question prompts say neither: a question that
 * mentions a table is the user's own word, and still a question about the picture.
 */

/** Reads a photo or scan as Markdown that keeps its layout. */
export const READ_PROMPT =
  "Transcribe all the text in this image as Markdown. Keep its layout: line breaks, " +
  "paragraphs, headings, numbered and bulleted lists, columns as Markdown grids of pipes. " +
  "Keep every word in its original language and spelling; do not translate, summarize or " +
  "explain. Reply with the Markdown only.";

/** Turns a chart, diagram or table photo into one Markdown table. */
export const TABLE_PROMPT =
  "Turn the data in this image (a table, a chart or a diagram) into one Markdown table: " +
  "a header row, a separator row, then one row per item, at least two columns. Keep labels " +
  "and numbers exactly as written, in their original language. Reply with the table only.";

const LANGUAGE_NAMES: Record<string, string> = { ru: "Russian", en: "English" };

/** The system prompt of questions about pictures, answered in `language` ("ru", "en"). */
export function questionSystemPrompt(language: string): string {
  const name = LANGUAGE_NAMES[language] ?? "the language of the user's question";
  return (
    "You are a helpful assistant in a Telegram chat. The user shows you pictures and asks " +
    "about them. Look at the picture carefully and answer briefly and to the point. " +
    `Answer in ${name}. Write plain text or light Markdown (bold, italics, short lists).`
  );
}
