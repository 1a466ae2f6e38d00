/**
 * `POST /v1/ocr` (ours; OpenAI has no OCR route): the text of a picture (every page of a
 * multi-page TIFF) or a PDF, read fast (tesseract) or accurately (the vision model, tesseract
 * when it can't serve). `unreadable_pages`: the TIFF pages that could not be decoded.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { JobLayer, ReadingMode } from "../../jobs/index.js";
import type { ApiEnv } from "../env.js";
import { fileField, mediaInput } from "../uploads.js";

const ocrForm = z
  .object({
    file: fileField,
    normalize: z.enum(["true", "false"]).optional(),
    mode: z.enum(["fast", "accurate"]).optional(),
  })
  .openapi("OcrRequest");

const ocrResult = z
  .object({
    text: z.string(),
    pages: z.number(),
    skipped_pages: z.number(),
    unreadable_pages: z.array(z.number()),
    language: z.string(),
  })
  .openapi("OcrResult");

const route = createRoute({
  method: "post",
  path: "/ocr",
  summary: "Text of an image or a PDF",
  security: [{ apiKey: [] }],
  request: { body: { required: true, content: { "multipart/form-data": { schema: ocrForm } } } },
  responses: {
    200: { description: "The text read", content: { "application/json": { schema: ocrResult } } },
  },
});

/** A PDF starts with "%PDF-"; anything else is read as a picture (and refused if it is none). */
function isPdf(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, 5)).toString("latin1") === "%PDF-";
}

export function ocrRoutes(
  app: OpenAPIHono<ApiEnv>,
  deps: { jobs: Pick<JobLayer, "recognize">; readingMode: ReadingMode },
): void {
  app.openapi(route, async (c) => {
    const form = c.req.valid("form");
    const input = await mediaInput(form.file);
    const read = await deps.jobs.recognize({
      owner: c.get("caller").owner,
      signal: c.req.raw.signal,
      input,
      kind: isPdf(input.bytes) ? "pdf" : "image",
      normalize: form.normalize === "true",
      mode: form.mode ?? deps.readingMode,
    });
    return c.json(
      {
        text: read.text,
        pages: read.pages,
        skipped_pages: read.skippedPages,
        unreadable_pages: read.unreadablePages ?? [],
        language: read.language,
      },
      200,
    );
  });
}
