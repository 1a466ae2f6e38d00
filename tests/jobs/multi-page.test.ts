/**
 * A multi-page TIFF through the job layer and the real document service (a scripted OCR
 * handle stands in for tesseract): every page read, "page 2 of 3" on show, pages counted,
 * and the pages kept for the answers about it to cite.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import sharp from "sharp";
import { JobLayer, telegramOwner, type JobServices, type Progress } from "../../src/jobs/index.js";
import { silentLogger } from "../../src/log/index.js";
import { Store } from "../../src/memory/index.js";
import type { ModelHandle, RunOptions } from "../../src/models/contract.js";
import type { OcrInput, OcrResult } from "../../src/models/adapters/ocr/index.js";
import { DocumentService } from "../../src/services/documents/index.js";
import type { DocumentIndex, IndexSource } from "../../src/services/qa/index.js";
import { ManualClock } from "../../src/shared/clock.js";
import { buildTiff, plainTiffPage } from "../support/tiffs.js";

/** "Page of width N": tells the pages apart by the width of the image it is given. */
class WidthOcr implements ModelHandle<OcrInput, OcrResult> {
  readonly id = "ocr";
  readonly classes: RunOptions["workClass"][] = [];
  async run(input: OcrInput, options?: RunOptions): Promise<OcrResult> {
    this.classes.push(options?.workClass);
    options?.onEvent?.({ type: "running", modelId: this.id });
    const { width } = await sharp(input.image).metadata();
    const text = `Page of width ${width}`;
    return { text, confidence: 90, paragraphs: [], engine: "scripted", langs: ["eng"] };
  }
}

const unused = () => assert.fail("not used");

describe("a multi-page TIFF through the job layer", () => {
  it("reads every page, shows page progress and counts the pages read", async () => {
    const clock = new ManualClock(1_000);
    const store = Store.open(":memory:", { now: () => clock.now() });
    const ocr = new WidthOcr();
    // Widths past the 1600 px upscale floor stay as they are, so each page's text is its own.
    const documents = new DocumentService({ ocr, logger: silentLogger() });
    // What the result is cut into for questions: the pages, so answers can cite them.
    const indexed: IndexSource[] = [];
    const index = {
      index: async (_resultId: number, source: IndexSource) => {
        indexed.push(source);
        return 0;
      },
    } as unknown as DocumentIndex;
    const services = {
      documents,
      index,
      chat: { reply: unused, reset: unused, complete: unused },
      tasks: { summarize: unused, translate: unused },
      speech: { transcribe: unused, synthesize: unused },
      vision: { table: unused, ask: unused, complete: unused, conversationImages: unused },
    } as unknown as JobServices;
    const jobs = new JobLayer({ services, stores: store, clock, logger: silentLogger() });
    const steps: Progress[] = [];
    const tiff = buildTiff([
      plainTiffPage(2000, 40, 0),
      { width: 300, height: 40, corrupt: true },
      plainTiffPage(2200, 40, 0),
    ]);
    const owner = telegramOwner({ id: 5, type: "private" }, 5);
    const read = await jobs.recognize({
      owner,
      input: { bytes: tiff, fileName: "fax.tif", mimeType: "image/tiff" },
      kind: "image",
      normalize: false,
      mode: "fast",
      onProgress: (progress) => steps.push(progress),
    });
    assert.equal(read.text, "Page of width 2000\n\nPage of width 2200");
    assert.deepEqual([read.pages, read.skippedPages, read.unreadablePages], [3, 0, [2]]);
    assert.deepEqual(
      // Each page job's "running" shows its page again: the distinct steps, in order.
      [
        ...new Set(
          steps.flatMap((step) => (step.type === "page" ? [`${step.page}/${step.pages}`] : [])),
        ),
      ],
      ["1/3", "2/3", "3/3"],
    );
    assert.deepEqual(ocr.classes, ["batch", "batch"]);
    assert.equal(store.results.get(read.resultId!)?.text, read.text);
    assert.equal(store.usage.totalsOf(owner.id, 0).pages, 3);
    assert.deepEqual(
      indexed[0]?.pages?.map(({ page, text }) => [page, text]),
      [
        [1, "Page of width 2000"],
        [2, ""],
        [3, "Page of width 2200"],
      ],
      "a TIFF's pages are cited like a PDF's",
    );
  });
});
