import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  cutPassages,
  cutSegments,
  cutText,
  PASSAGE_MAX_CHARS,
  PASSAGE_TARGET_CHARS,
} from "../../src/services/qa/index.js";

const sentence = (i: number) => `Sentence number ${i} says something about the pump. `;

describe("cutting into passages", () => {
  it("merges short paragraphs up to the target and keeps a long one's sentences whole", () => {
    const short = ["First paragraph.", "Second paragraph.", "Third."].join("\n\n");
    assert.deepEqual(cutText(short), ["First paragraph.\nSecond paragraph.\nThird."]);

    const long = Array.from({ length: 60 }, (_, i) => sentence(i)).join("");
    const pieces = cutText(long);
    assert.ok(pieces.length >= 3, `${pieces.length}`);
    for (const piece of pieces) {
      assert.ok(piece.length <= PASSAGE_MAX_CHARS, `${piece.length}`);
      assert.match(piece, /^Sentence number \d+ .*pump\.$/);
    }
    assert.equal(pieces.join(" "), long.trim());
  });

  it("cuts a sentence longer than a passage at words", () => {
    const words = Array.from({ length: 400 }, (_, i) => `word${i}`).join(" ");
    const pieces = cutText(words);
    assert.ok(pieces.every((p) => p.length <= PASSAGE_MAX_CHARS));
    assert.equal(pieces.join(" "), words);
  });

  it("cuts a document by page, a long page by paragraphs with its page number", () => {
    const longPage = Array.from({ length: 8 }, (_, i) => `${sentence(i)}${sentence(i + 100)}`).join(
      "\n\n",
    );
    const passages = cutPassages({
      text: "ignored when there are pages",
      pages: [
        { page: 1, text: "Cover page." },
        { page: 2, text: "   " },
        { page: 3, text: longPage },
      ],
    });
    assert.deepEqual(passages[0], { ord: 0, text: "Cover page.", place: { page: 1 } });
    assert.ok(passages.length >= 3);
    assert.deepEqual(
      passages.map((p) => p.ord),
      passages.map((_, i) => i),
    );
    for (const passage of passages.slice(1)) {
      assert.deepEqual(passage.place, { page: 3 });
      assert.ok(passage.text.length <= PASSAGE_TARGET_CHARS + PASSAGE_MAX_CHARS);
    }
  });

  it("groups a transcript's segments into windows of 30 to 60 seconds", () => {
    // A short sentence every 5 s for 5 minutes.
    const segments = Array.from({ length: 60 }, (_, i) => ({
      startS: i * 5,
      endS: i * 5 + 4.5,
      text: `Point ${i} of the talk is about budgets and dates.`,
    }));
    const windows = cutSegments(segments);
    for (const window of windows.slice(0, -1)) {
      const span = window.endS - window.startS;
      assert.ok(span >= 30 && span <= 60, `${span}`);
    }
    assert.equal(windows[0]?.startS, 0);
    assert.equal(windows.at(-1)?.endS, 299.5);
    assert.equal(windows.map((w) => w.text).join(" "), segments.map((s) => s.text).join(" "));

    const passages = cutPassages({ text: "", segments });
    assert.deepEqual(passages[0]?.place, { startS: windows[0]?.startS, endS: windows[0]?.endS });
  });

  it("closes a window early when its text would exceed a passage", () => {
    const segments = Array.from({ length: 6 }, (_, i) => ({
      startS: i,
      endS: i + 1,
      text: "x".repeat(400),
    }));
    const windows = cutSegments(segments);
    assert.ok(windows.length >= 3);
    assert.ok(windows.every((w) => w.text.length <= PASSAGE_MAX_CHARS));
  });

  it("cuts plain text by paragraphs with no place, and nothing from empty text", () => {
    assert.deepEqual(cutPassages({ text: "One.\n\nTwo." }), [
      { ord: 0, text: "One.\nTwo.", place: {} },
    ]);
    assert.deepEqual(cutPassages({ text: " \n\n " }), []);
  });
});
