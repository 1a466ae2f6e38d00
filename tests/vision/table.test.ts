/** Markdown tables from the vision model: parsing, CSV, and the monospace view for Telegram. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderMonospaceTable } from "../../src/bot/format/table.js";
import { parseMarkdownTable, toCsv, toMarkdownTable } from "../../src/services/vision/index.js";

const ANSWER =
  "Here it is:\n\n| Month | Sales |\n| --- | ---: |\n| January | 10 |\n| February | 20 |\n\nDone.";

describe("parseMarkdownTable", () => {
  it("finds the table among other text, without its separator row", () => {
    assert.deepEqual(parseMarkdownTable(ANSWER), [
      ["Month", "Sales"],
      ["January", "10"],
      ["February", "20"],
    ]);
  });

  it("pads short rows, cuts long ones and keeps escaped pipes in their cell", () => {
    const rows = parseMarkdownTable("a | b\n--|:-:\n1 |\n2 | x \\| y | extra");
    assert.deepEqual(rows, [
      ["a", "b"],
      ["1", ""],
      ["2", "x | y"],
    ]);
  });

  it("is undefined for text without a table (no separator, one column, no data row)", () => {
    assert.equal(parseMarkdownTable("The picture shows a test chart."), undefined);
    assert.equal(parseMarkdownTable("| a | b |\n| c | d |"), undefined);
    assert.equal(parseMarkdownTable("| a |\n| --- |\n| 1 |"), undefined);
    assert.equal(parseMarkdownTable("| a | b |\n| --- | --- |"), undefined);
  });
});

describe("toCsv", () => {
  it("quotes fields with commas, quotes and line breaks (RFC 4180) and ends lines with CRLF", () => {
    const csv = toCsv([
      ["name", "note"],
      ['say "hi"', "a, b"],
      ["multi\nline", "plain"],
    ]);
    assert.equal(csv, 'name,note\r\n"say ""hi""","a, b"\r\n"multi\nline",plain\r\n');
  });
});

describe("toMarkdownTable", () => {
  it("writes a tidy table that parses back to the same rows", () => {
    const rows = [
      ["a|b", "c"],
      ["1", "2"],
    ];
    assert.deepEqual(parseMarkdownTable(toMarkdownTable(rows)), rows);
  });
});

describe("renderMonospaceTable", () => {
  it("lines up columns under a separator", () => {
    const shown = renderMonospaceTable([
      ["Month", "Sales"],
      ["January", "10"],
    ]);
    assert.equal(shown.text, "Month   | Sales\n--------+------\nJanuary | 10");
    assert.equal(shown.cut, false);
  });

  it("cuts wide cells with an ellipsis and leaves out columns past the line width", () => {
    const limits = { maxChars: 1000, maxLineChars: 20, maxCellChars: 8 };
    const shown = renderMonospaceTable(
      [
        ["Name", "A very long header", "Third", "Fourth"],
        ["x", "y", "z", "w"],
      ],
      limits,
    );
    assert.equal(shown.cut, true);
    assert.ok(shown.text.includes("A very …"));
    assert.ok(!shown.text.includes("Fourth"));
    for (const line of shown.text.split("\n")) assert.ok(line.length <= 20, line);
  });

  it("stops adding rows before the message limit and says it cut them", () => {
    const rows = [["n", "square"], ...Array.from({ length: 2000 }, (_, i) => [`${i}`, `${i * i}`])];
    const shown = renderMonospaceTable(rows);
    assert.equal(shown.cut, true);
    assert.ok(shown.text.length <= 3800);
    assert.ok(shown.text.split("\n").length > 100);
  });
});
