/**
 * The re-read of suspect words (reread.ts) with a scripted reader: which words it asks about
 * and what it writes back. Real tesseract runs in ocr-native.test.ts.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import sharp from "sharp";
import type { OcrWord, WordLine } from "../../src/models/adapters/ocr/layout.js";
import { rereadSuspects, type ReadLines } from "../../src/models/adapters/ocr/reread.js";

const never = new AbortController().signal;

/** One line of words laid out left to right, 60 px apart. */
function line(texts: readonly string[]): WordLine {
  const words: OcrWord[] = texts.map((text, i) => ({
    text,
    confidence: 95,
    x0: 10 + i * 60,
    y0: 10,
    x1: 60 + i * 60,
    y1: 40,
  }));
  return { block: "1", words, top: 10, bottom: 40, rowHeight: 30 };
}

/** A reader that answers every band of the strip with one word per language. */
function scriptedReader(answers: Record<string, { text: string; confidence: number }>) {
  const asked: string[] = [];
  const read: ReadLines = async (image, langs) => {
    asked.push(langs);
    const { height = 0 } = await sharp(image).metadata();
    const answer = answers[langs];
    if (!answer) return [];
    const word = { ...answer, x0: 0, y0: 0, x1: 50, y1: height };
    return [{ block: "1", words: [word], top: 0, bottom: height, rowHeight: height }];
  };
  return { read, asked };
}

describe("OCR re-read of suspect words", async () => {
  const page = await sharp({
    create: { width: 600, height: 60, channels: 3, background: "#fff" },
  })
    .png()
    .toBuffer();

  it("re-reads a short look-alike word between the two scripts and takes the other language's word", async () => {
    const { read, asked } = scriptedReader({
      rus: { text: "{Не", confidence: 40 },
      eng: { text: "the", confidence: 91 },
    });
    const lines = [line(["Please", "bring", "{Не", "документы", "and"])];
    const [checked] = await rereadSuspects(page, lines, ["rus", "eng"], read, never);
    assert.deepEqual(asked.sort(), ["eng", "rus"]);
    assert.deepEqual(
      checked!.words.map((word) => word.text),
      ["Please", "bring", "the", "документы", "and"],
    );
  });

  it("maps the letters when the other reading is not one word of the other script", async () => {
    const { read } = scriptedReader({
      rus: { text: "Мас", confidence: 80 },
      eng: { text: "Ma c", confidence: 95 },
    });
    const lines = [line(["Сервер", "Apple", "Мас", "Pro"])];
    const [checked] = await rereadSuspects(page, lines, ["rus", "eng"], read, never);
    assert.equal(checked!.words[2]!.text, "Mac");
  });

  it("reads nothing again for a short word whose neighbours share a script", async () => {
    const { read, asked } = scriptedReader({});
    const lines = [line(["Совещание", "перенесено", "Ha", "следующую"])];
    const checked = await rereadSuspects(page, lines, ["rus", "eng"], read, never);
    assert.deepEqual(asked, []);
    assert.equal(checked, lines);
  });
});
