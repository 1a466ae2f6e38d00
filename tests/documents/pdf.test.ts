import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PdfReader } from "../../src/media/pdf-thread.js";
import { PdfFile } from "../../src/media/pdf.js";
import { BACKGROUND_NICENESS } from "../../src/shared/priority.js";
import { buildEncryptedPdf, buildPdf } from "../support/pdfs.js";
import { textPng } from "../support/text-images.js";
import { nicenessOfThreadsStartedBy } from "../support/thread-niceness.js";

describe("PdfFile", () => {
  it("reads a page's text layer with its line and paragraph breaks", async () => {
    const bytes = await buildPdf([
      { kind: "text", lines: ["First paragraph, line one.", "Line two.", "", "Second paragraph."] },
    ]);
    const pdf = await PdfFile.open(bytes);
    try {
      assert.equal(pdf.pages, 1);
      assert.equal(
        await pdf.pageText(1),
        "First paragraph, line one.\nLine two.\n\nSecond paragraph.",
      );
    } finally {
      await pdf.close();
    }
  });

  it("renders pages to grayscale PNG at the requested resolution, blank pages without ink", async () => {
    const scan = await textPng(["Some scanned words"], { fontSize: 40 });
    const pdf = await PdfFile.open(
      await buildPdf([{ kind: "image", png: scan }, { kind: "blank" }]),
    );
    try {
      const page = await pdf.renderPage(1, { dpi: 100 });
      assert.equal(page.width, Math.round((595.28 * 100) / 72));
      assert.ok(page.inkRatio > 0.001, `ink ${page.inkRatio}`);
      const blank = await pdf.renderPage(2, { dpi: 100 });
      assert.equal(blank.inkRatio, 0);
      const capped = await pdf.renderPage(2, { dpi: 600, maxSide: 1000 });
      assert.equal(capped.height, 1000);
    } finally {
      await pdf.close();
    }
  });

  it("leaves the caller's buffer intact", async () => {
    const bytes = await buildPdf([{ kind: "blank" }]);
    const copy = Uint8Array.from(bytes);
    await (await PdfFile.open(bytes)).close();
    assert.deepEqual(bytes, copy);
  });

  it("maps bad input to typed errors", async () => {
    await assert.rejects(PdfFile.open(Buffer.from("%PDF-1.7 this is not really a pdf")), {
      name: "InputError",
      code: "pdf.corrupt",
    });
    await assert.rejects(PdfFile.open(await buildEncryptedPdf()), {
      name: "InputError",
      code: "pdf.encrypted",
    });
    await assert.rejects(PdfFile.open(new Uint8Array(0)), { code: "input.empty" });
    const bytes = await buildPdf([{ kind: "blank" }]);
    await assert.rejects(PdfFile.open(bytes, { maxBytes: 100 }), { code: "pdf.too_large" });
  });
});

describe("PdfReader (a worker thread)", () => {
  it("reads and renders exactly what PdfFile does in this thread", async () => {
    const scan = await textPng(["Some scanned words"], { fontSize: 40 });
    const bytes = await buildPdf([
      { kind: "text", lines: ["A text layer.", "", "Its second paragraph."] },
      { kind: "image", png: scan },
    ]);
    const reader = new PdfReader();
    const here = await PdfFile.open(bytes);
    try {
      const there = await reader.open(bytes);
      assert.equal(there.pages, 2);
      assert.equal(await there.pageText(1), await here.pageText(1));
      const rendered = await there.renderPage(2, { dpi: 100 });
      const expected = await here.renderPage(2, { dpi: 100 });
      assert.ok(Buffer.isBuffer(rendered.png));
      assert.deepEqual(rendered, expected);
      await there.close();
    } finally {
      await here.close();
      await reader.close();
    }
  });

  it("reads in threads that yield the cores: all it starts run at nice 10", async () => {
    const bytes = await buildPdf([{ kind: "text", lines: ["One line."] }]);
    const reader = new PdfReader();
    try {
      const started = await nicenessOfThreadsStartedBy(() => reader.open(bytes));
      assert.ok(started.length > 0);
      assert.deepEqual(
        started.filter((nice) => nice !== BACKGROUND_NICENESS),
        [],
      );
    } finally {
      await reader.close();
    }
  });

  it("keeps PdfFile's typed errors", async () => {
    const reader = new PdfReader();
    try {
      await assert.rejects(reader.open(Buffer.from("%PDF-1.7 not really")), {
        name: "InputError",
        code: "pdf.corrupt",
      });
      await assert.rejects(reader.open(await buildEncryptedPdf()), { code: "pdf.encrypted" });
      const bytes = await buildPdf([{ kind: "blank" }]);
      await assert.rejects(reader.open(bytes, { maxBytes: 100 }), {
        code: "pdf.too_large",
        details: { bytes: bytes.byteLength, maxBytes: 100, maxMb: 0 },
      });
    } finally {
      await reader.close();
    }
  });

  it("says a document is unreadable when its thread was replaced, never reading another", async () => {
    const reader = new PdfReader();
    try {
      const stale = await reader.open(await buildPdf([{ kind: "blank" }]));
      await reader.close();
      const fresh = await reader.open(
        await buildPdf([{ kind: "text", lines: ["Someone else's page."] }]),
      );
      await assert.rejects(stale.pageText(1), { name: "InputError", code: "pdf.corrupt" });
      assert.equal(await fresh.pageText(1), "Someone else's page.");
    } finally {
      await reader.close();
    }
  });
});
