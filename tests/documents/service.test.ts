/** DocumentService logic with a scripted OCR handle (no tesseract): fast and exact. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pino from "pino";
import type { ModelHandle, RunOptions } from "../../src/models/contract.js";
import type { OcrInput, OcrResult } from "../../src/models/adapters/ocr/index.js";
import { splitAtGaps } from "../../src/models/adapters/ocr/layout.js";
import { DocumentService, type PageProgress } from "../../src/services/documents/index.js";
import { buildPdf } from "../support/pdfs.js";
import { textPng } from "../support/text-images.js";

const logger = pino({ level: "silent" });

/** Answers every OCR job with `text` and records what it was asked. */
class ScriptedOcr implements ModelHandle<OcrInput, OcrResult> {
  readonly id = "ocr";
  readonly calls: Array<{ input: OcrInput; options: RunOptions | undefined }> = [];
  constructor(private readonly text: string) {}
  async run(input: OcrInput, options?: RunOptions): Promise<OcrResult> {
    this.calls.push({ input, options });
    options?.onEvent?.({ type: "running", modelId: this.id });
    return { text: this.text, confidence: 90, paragraphs: [], engine: "scripted", langs: ["rus"] };
  }
}

describe("DocumentService", () => {
  it("passes languages, the signal and job events through to the OCR handle", async () => {
    const ocr = new ScriptedOcr("Привет");
    const service = new DocumentService({ ocr, logger });
    const events: string[] = [];
    const controller = new AbortController();
    const result = await service.recognizeImage(await textPng(["x"]), {
      langs: ["rus"],
      signal: controller.signal,
      onJobEvent: (event) => events.push(event.type),
    });
    assert.equal(result.text, "Привет");
    assert.equal(result.language, "ru");
    assert.equal(result.engine, "scripted");
    assert.deepEqual(ocr.calls[0]!.input.langs, ["rus"]);
    assert.equal(ocr.calls[0]!.options?.signal, controller.signal);
    assert.deepEqual(events, ["running"]);
    const png = ocr.calls[0]!.input.image;
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], "OCR gets the prepared PNG");
  });

  it("stops between PDF pages when cancelled", async () => {
    const service = new DocumentService({ ocr: new ScriptedOcr(""), logger });
    const pdf = await buildPdf(
      [1, 2, 3].map((n) => ({
        kind: "text" as const,
        lines: [`Page ${n} has a real text layer here.`],
      })),
    );
    const controller = new AbortController();
    const progress: PageProgress[] = [];
    await assert.rejects(
      service.recognizePdf(pdf, {
        signal: controller.signal,
        onProgress: (p) => {
          progress.push(p);
          controller.abort();
        },
      }),
      { code: "job.cancelled" },
    );
    assert.equal(progress.length, 1);
  });
});

describe("splitAtGaps", () => {
  const line = (text: string, top: number, height = 30) => ({
    text,
    confidence: 90,
    top,
    bottom: top + height,
    rowHeight: height,
  });

  it("starts a paragraph at a gap taller than a line, not at regular spacing", () => {
    const paragraphs = splitAtGaps([line("a", 0), line("b", 45), line("c", 140), line("d", 185)]);
    assert.deepEqual(
      paragraphs.map((p) => p.lines.map((l) => l.text)),
      [
        ["a", "b"],
        ["c", "d"],
      ],
    );
  });

  it("keeps double-spaced text in one paragraph", () => {
    const paragraphs = splitAtGaps([line("a", 0), line("b", 65), line("c", 130), line("d", 195)]);
    assert.equal(paragraphs.length, 1);
  });
});
