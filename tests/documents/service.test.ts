/** DocumentService logic with a scripted OCR handle (no tesseract): fast and exact. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pino from "pino";
import sharp from "sharp";
import type { ModelHandle, RunOptions } from "../../src/models/contract.js";
import type { OcrInput, OcrResult } from "../../src/models/adapters/ocr/index.js";
import { splitAtGaps } from "../../src/models/adapters/ocr/layout.js";
import { ChatNormalizer } from "../../src/services/chat/index.js";
import {
  DocumentService,
  type PageProgress,
  type TextNormalizer,
  type VisionReader,
} from "../../src/services/documents/index.js";
import { silent, stubChat } from "../chat/stub-chat.js";
import { RecordingHandle } from "../support/model-handle.js";
import { buildPdf } from "../support/pdfs.js";
import { textPng } from "../support/text-images.js";
import { buildTiff, plainTiffPage, textTiffPage, type TiffPage } from "../support/tiffs.js";

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

describe("DocumentService scheduling", () => {
  const OWNER = "tg:7";
  const scans = async (count: number) =>
    buildPdf(
      await Promise.all(
        Array.from({ length: count }, async (_, n) => ({
          kind: "image" as const,
          png: await textPng([`Page ${n + 1}`]),
        })),
      ),
    );
  /** Records the clean-ups it is asked for and their options. */
  const recordingNormalizer = () => {
    const seen: RunOptions[] = [];
    const normalizer: TextNormalizer = {
      normalize: async (text, _kind, _lang, options = {}) => {
        seen.push(options);
        return text;
      },
    };
    return { normalizer, seen };
  };

  it("reads a photo as one interactive job of its owner", async () => {
    const ocr = new RecordingHandle(new ScriptedOcr("Привет"));
    const { normalizer, seen } = recordingNormalizer();
    const service = new DocumentService({ ocr, logger, normalizer });
    await service.recognizeImage(await textPng(["x"]), { owner: OWNER, normalize: true });
    assert.deepEqual(ocr.scheduling(), [{ owner: OWNER, workClass: "interactive" }]);
    assert.deepEqual([seen[0]?.owner, seen[0]?.workClass], [OWNER, "interactive"]);
  });

  it("reads the pages of a scanned PDF and cleans them up as batch jobs, one per page", async () => {
    const ocr = new RecordingHandle(new ScriptedOcr("Текст страницы"));
    const { normalizer, seen } = recordingNormalizer();
    const service = new DocumentService({ ocr, logger, normalizer });
    const controller = new AbortController();
    const result = await service.recognizePdf(await scans(3), {
      owner: OWNER,
      normalize: true,
      signal: controller.signal,
    });
    assert.equal(result.pages.length, 3);
    assert.deepEqual(ocr.scheduling(), Array(3).fill({ owner: OWNER, workClass: "batch" }));
    assert.deepEqual(
      seen.map((options) => [options.owner, options.workClass, options.signal?.aborted]),
      Array(3).fill([OWNER, "batch", false]),
    );
    // The clean-ups follow the caller's signal.
    controller.abort();
    assert.ok(seen.every((options) => options.signal?.aborted));
    // A one-page PDF is one piece: it keeps the asked class.
    await service.recognizePdf(await scans(1), { owner: OWNER });
    assert.equal(ocr.runs.at(-1)?.options.workClass, "interactive");
  });

  it("reads accurate-mode pages with the vision reader as batch jobs", async () => {
    const reads: RunOptions[] = [];
    const vision: VisionReader = {
      read: async (_image, options) => {
        reads.push(options);
        return { text: "# Page" };
      },
    };
    const service = new DocumentService({ ocr: new ScriptedOcr(""), vision, logger });
    await service.recognizePdf(await scans(2), { owner: OWNER, mode: "accurate" });
    assert.deepEqual(
      reads.map(({ owner, workClass }) => ({ owner, workClass })),
      Array(2).fill({ owner: OWNER, workClass: "batch" }),
    );
  });

  it("a cancel during a page's clean-up stops it", async () => {
    const controller = new AbortController();
    const chat = stubChat(() => {
      controller.abort();
      return ["Первый абзац."];
    });
    // Two paragraphs of a page, cleaned as two chunks: the cancel comes during the first.
    const normalizer = new ChatNormalizer({
      model: chat.handle,
      logger: silent,
      maxChunkChars: 20,
    });
    const service = new DocumentService({
      ocr: new ScriptedOcr("первый абзац\n\nвторой абзац"),
      logger,
      normalizer,
    });
    await assert.rejects(
      service.recognizeImage(await textPng(["x"]), { normalize: true, signal: controller.signal }),
      { code: "job.cancelled" },
    );
    assert.equal(chat.calls.length, 1, "nothing is cleaned after the cancel");
    assert.equal(chat.calls[0]?.signal?.aborted, true);
  });

  it("cleans up each page while the next ones are read", async () => {
    const order: string[] = [];
    const ocr = new ScriptedOcr("Текст страницы");
    const reading = ocr.run.bind(ocr);
    ocr.run = (input, options) => {
      order.push(`read ${ocr.calls.length + 1}`);
      return reading(input, options);
    };
    let cleaned = 0;
    const normalizer: TextNormalizer = {
      normalize: async (text) => {
        order.push(`clean ${++cleaned}`);
        return text.toUpperCase();
      },
    };
    const service = new DocumentService({ ocr, logger, normalizer });
    const result = await service.recognizePdf(await scans(3), { owner: OWNER, normalize: true });
    assert.deepEqual(order, ["read 1", "clean 1", "read 2", "clean 2", "read 3", "clean 3"]);
    assert.deepEqual(
      result.pages.map(({ text, rawText }) => [text, rawText]),
      Array(3).fill(["ТЕКСТ СТРАНИЦЫ", "Текст страницы"]),
    );
  });

  it("fails the document when a page's clean-up fails, stopping the other clean-ups", async () => {
    const signals: AbortSignal[] = [];
    const normalizer: TextNormalizer = {
      normalize: (text, _kind, _lang, options = {}) => {
        signals.push(options.signal!);
        if (signals.length === 2) return Promise.reject(new Error("the chat model broke"));
        // The others wait until they are stopped, as a job waiting in line does.
        return new Promise((_resolve, reject) =>
          options.signal!.addEventListener("abort", () => reject(options.signal!.reason as Error)),
        );
      },
    };
    const service = new DocumentService({ ocr: new ScriptedOcr("Текст"), logger, normalizer });
    await assert.rejects(service.recognizePdf(await scans(3), { normalize: true }), {
      message: "the chat model broke",
    });
    assert.ok(signals.length >= 2);
    assert.ok(signals.every((signal) => signal.aborted));
  });

  it("reads no more pages once a page's clean-up failed", async () => {
    const ocr = new ScriptedOcr("Текст");
    const normalizer: TextNormalizer = {
      normalize: () => Promise.reject(new Error("the chat model broke")),
    };
    const service = new DocumentService({ ocr, logger, normalizer });
    await assert.rejects(service.recognizePdf(await scans(5), { normalize: true }), {
      message: "the chat model broke",
    });
    assert.equal(ocr.calls.length, 1, "page 2 not read after page 1's clean-up failed");
  });
});

describe("DocumentService with multi-page images", () => {
  const OWNER = "tg:7";
  const pages = (count: number) =>
    Promise.all(Array.from({ length: count }, (_, n) => textTiffPage([`Page ${n + 1}`])));

  it("reads every page of a TIFF as a batch job of its own, with page progress", async () => {
    const ocr = new RecordingHandle(new ScriptedOcr("Текст страницы"));
    const service = new DocumentService({ ocr, logger });
    const progress: PageProgress[] = [];
    const result = await service.recognizeImage(buildTiff(await pages(3)), {
      owner: OWNER,
      onProgress: (p) => progress.push(p),
    });
    assert.equal(result.kind, "image");
    assert.deepEqual(
      result.pages.map(({ page, method, text }) => ({ page, method, text })),
      [1, 2, 3].map((page) => ({ page, method: "ocr", text: "Текст страницы" })),
    );
    assert.equal(result.text, Array(3).fill("Текст страницы").join("\n\n"));
    assert.deepEqual([result.totalPages, result.skippedPages, result.unreadablePages], [3, 0, []]);
    assert.deepEqual(
      progress.map(({ page, pages }) => `${page}/${pages}`),
      ["1/3", "2/3", "3/3"],
    );
    assert.deepEqual(ocr.scheduling(), Array(3).fill({ owner: OWNER, workClass: "batch" }));
  });

  it("reads no further than the page cap and counts the rest as skipped", async () => {
    const ocr = new ScriptedOcr("text");
    const service = new DocumentService({ ocr, logger, pdf: { maxPages: 2 } });
    const result = await service.recognizeImage(buildTiff(await pages(5)));
    assert.deepEqual([result.pages.length, result.totalPages, result.skippedPages], [2, 5, 3]);
    assert.equal(ocr.calls.length, 2);
  });

  it("counts a TIFF of 10,000 pages without decoding them, and reads up to the cap", async () => {
    const ocr = new ScriptedOcr("text");
    const service = new DocumentService({ ocr, logger, pdf: { maxPages: 30 } });
    const tiff = buildTiff(Array.from({ length: 10_000 }, () => plainTiffPage(8, 8, 0)));
    const started = performance.now();
    const result = await service.recognizeImage(tiff);
    const ms = performance.now() - started;
    assert.deepEqual(
      [result.pages.length, result.totalPages, result.skippedPages],
      [30, 10_000, 9970],
    );
    // 0.7 s here; with libvips counting all 10,000 pages at each open of a page, 10 s.
    assert.ok(ms < 5_000, `${ms} ms`);
  });

  it("notes a damaged page and a page over the pixel limit, and still reads the others", async () => {
    const ocr = new RecordingHandle(new ScriptedOcr("text"));
    const service = new DocumentService({ ocr, logger, image: { maxInputPixels: 10_000_000 } });
    const [first, last] = await pages(2);
    const bad: TiffPage[] = [
      first!,
      { width: 400, height: 100, corrupt: true },
      { width: 50_000, height: 50_000, claimed: true },
      last!,
    ];
    const result = await service.recognizeImage(buildTiff(bad));
    assert.deepEqual(
      result.pages.map(({ page, method }) => `${page}:${method}`),
      ["1:ocr", "2:unreadable", "3:unreadable", "4:ocr"],
    );
    assert.deepEqual(result.unreadablePages, [2, 3]);
    assert.equal(ocr.runs.length, 2, "only the good pages reach the OCR model");
    assert.equal(result.text, "text\n\ntext");
  });

  it("fails as a picture does when no page can be read", async () => {
    const service = new DocumentService({ ocr: new ScriptedOcr("text"), logger });
    const tiff = buildTiff([
      { width: 400, height: 100, corrupt: true },
      { width: 400, height: 100, corrupt: true },
    ]);
    await assert.rejects(service.recognizeImage(tiff), { code: "image.corrupt" });
  });

  it("gives the vision reader each page on its own", async () => {
    const seen: Array<{ format?: string; width?: number }> = [];
    const vision: VisionReader = {
      read: async (image) => {
        const { format, width } = await sharp(image).metadata();
        seen.push({ format, width });
        return { text: "# Page" };
      },
    };
    const service = new DocumentService({ ocr: new ScriptedOcr(""), vision, logger });
    const two = [await textTiffPage(["One"]), await textTiffPage(["Second page"])];
    const result = await service.recognizeImage(buildTiff(two), { mode: "accurate" });
    assert.equal(result.engine, "vision");
    assert.deepEqual(seen, [
      { format: "png", width: two[0]!.width },
      { format: "png", width: two[1]!.width },
    ]);
  });

  it("reads an animated GIF as one picture: its first frame", async () => {
    const frame = (background: string) =>
      sharp({ create: { width: 40, height: 20, channels: 3, background } })
        .png()
        .toBuffer();
    const gif = await sharp([await frame("#fff"), await frame("#000")], {
      join: { animated: true },
    })
      .gif()
      .toBuffer();
    const ocr = new RecordingHandle(new ScriptedOcr("frame"));
    const result = await new DocumentService({ ocr, logger }).recognizeImage(gif, { owner: OWNER });
    assert.deepEqual([result.pages.length, result.totalPages], [1, 1]);
    assert.deepEqual(ocr.scheduling(), [{ owner: OWNER, workClass: "interactive" }]);
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
