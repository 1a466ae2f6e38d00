/** DocumentService's reading modes: tesseract (fast), the VLM (accurate), and the fallback. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pino from "pino";
import type { ModelHandle } from "../../src/models/contract.js";
import type { OcrInput, OcrResult } from "../../src/models/adapters/ocr/index.js";
import { DocumentService, type VisionReader } from "../../src/services/documents/index.js";
import { InputError, isAppError, ModelError } from "../../src/shared/errors.js";
import { buildPdf } from "../support/pdfs.js";
import { textPng } from "../support/text-images.js";

const logger = pino({ level: "silent" });

class ScriptedOcr implements ModelHandle<OcrInput, OcrResult> {
  readonly id = "ocr";
  calls = 0;
  async run(): Promise<OcrResult> {
    this.calls++;
    return {
      text: "tesseract text",
      confidence: 90,
      paragraphs: [],
      engine: "tesseract",
      langs: [],
    };
  }
}

class ScriptedReader implements VisionReader {
  calls = 0;
  constructor(private readonly failure?: Error) {}
  async read(): Promise<{ text: string }> {
    this.calls++;
    if (this.failure) throw this.failure;
    return { text: "# Vision text\n\n- item" };
  }
}

describe("DocumentService reading modes", () => {
  it("fast reads with tesseract even when a vision reader is there", async () => {
    const ocr = new ScriptedOcr();
    const vision = new ScriptedReader();
    const service = new DocumentService({ ocr, vision, logger });
    const result = await service.recognizeImage(await textPng(["x"]), { mode: "fast" });
    assert.equal(result.text, "tesseract text");
    assert.deepEqual([ocr.calls, vision.calls, result.fallback], [1, 0, false]);
  });

  it("accurate reads with the vision model, as Markdown", async () => {
    const ocr = new ScriptedOcr();
    const vision = new ScriptedReader();
    const service = new DocumentService({ ocr, vision, logger });
    const result = await service.recognizeImage(await textPng(["x"]), { mode: "accurate" });
    assert.equal(result.text, "# Vision text\n\n- item");
    assert.equal(result.engine, "vision");
    assert.deepEqual([ocr.calls, vision.calls, result.fallback], [0, 1, false]);
  });

  for (const code of ["model.load_failed", "model.missing", "model.budget_exceeded"] as const) {
    it(`accurate falls back to tesseract and says so when the VLM can't serve (${code})`, async () => {
      const ocr = new ScriptedOcr();
      const vision = new ScriptedReader(new ModelError(code, "no vision model"));
      const service = new DocumentService({ ocr, vision, logger });
      const result = await service.recognizeImage(await textPng(["x"]), { mode: "accurate" });
      assert.equal(result.text, "tesseract text");
      assert.equal(result.fallback, true);
    });
  }

  it("accurate without any vision model falls back too", async () => {
    const service = new DocumentService({ ocr: new ScriptedOcr(), logger });
    const result = await service.recognizeImage(await textPng(["x"]), { mode: "accurate" });
    assert.equal(result.fallback, true);
  });

  it("a bad image is the user's answer, not a reason to switch engines", async () => {
    const ocr = new ScriptedOcr();
    const vision = new ScriptedReader(new InputError("image.corrupt", "bad"));
    const service = new DocumentService({ ocr, vision, logger });
    await assert.rejects(
      service.recognizeImage(await textPng(["x"]), { mode: "accurate" }),
      (error) => isAppError(error) && error.code === "image.corrupt",
    );
    assert.equal(ocr.calls, 0);
  });

  it("accurate reads a PDF's scanned pages with the vision model, within PDF_MAX_PAGES", async () => {
    const ocr = new ScriptedOcr();
    const vision = new ScriptedReader();
    const service = new DocumentService({ ocr, vision, logger, pdf: { maxPages: 3 } });
    const scan = { kind: "image" as const, png: await textPng(["A scanned line of text"]) };
    const pdf = await buildPdf([
      { kind: "text", lines: ["The text layer of the first page is real."] },
      scan,
      scan,
      scan,
    ]);
    const result = await service.recognizePdf(pdf, { mode: "accurate" });
    assert.deepEqual(
      result.pages.map((page) => page.method),
      ["text", "ocr", "ocr"],
    );
    assert.equal(result.skippedPages, 1);
    assert.equal(result.engine, "vision");
    assert.deepEqual([ocr.calls, vision.calls, result.fallback], [0, 2, false]);
  });

  it("a PDF whose vision model can't serve asks it once, then reads every page with tesseract", async () => {
    const ocr = new ScriptedOcr();
    const vision = new ScriptedReader(new ModelError("model.load_failed", "no vision model"));
    const service = new DocumentService({ ocr, vision, logger });
    const scan = { kind: "image" as const, png: await textPng(["A scanned line of text"]) };
    const result = await service.recognizePdf(await buildPdf([scan, scan, scan]), {
      mode: "accurate",
    });
    assert.deepEqual([ocr.calls, vision.calls, result.fallback], [3, 1, true]);
    assert.equal(result.text, "tesseract text\n\ntesseract text\n\ntesseract text");
  });
});
