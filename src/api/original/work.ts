/**
 * The original service's work routes: text from a picture or PDF (`/ocr/extract-text`),
 * a stateless chat turn (`/chat/simple`), and our table reader (`/table/extract`). Each
 * reads its request, hands the job layer the work as the caller's (an owner of the fair
 * lines), and writes the answer; waiting for a loading model is part of the job.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { MediaInput } from "../../jobs/index.js";
import { routeGroup } from "../app.js";
import { withDeadline } from "../deadline.js";
import type { ApiEnv } from "../env.js";
import { HttpError } from "../errors.js";
import { fileField, mediaInput } from "../uploads.js";
import type { OriginalRoutesDeps } from "./deps.js";
import { errorResponses, RECOGNIZED_FILE_FIELDS, WORK_ERRORS } from "./schemas.js";

const fileForm = (description: string) => ({
  required: true,
  content: {
    "multipart/form-data": {
      schema: z.object({ file: fileField.openapi({ description }) }),
    },
  },
});

const flag = z
  .enum(["true", "false", "1", "0"])
  .default("false")
  .transform((value) => value === "true" || value === "1");

const extractText = (deps: OriginalRoutesDeps) =>
  createRoute({
    method: "post",
    path: "/ocr/extract-text",
    tags: ["ocr"],
    summary: "The text of a picture or a PDF",
    description:
      `A PDF's or a multi-page TIFF's pages past ${deps.settings.pdfMaxPages} (PDF_MAX_PAGES) ` +
      "are not read: `skipped_pages` counts them; `unreadable_pages` lists the TIFF pages " +
      "that could not be decoded while the others were read. `normalize=true` also returns the text cleaned up by " +
      "the chat model as `normalized_text`.",
    security: [{ apiKey: [] }],
    request: {
      query: z.object({
        normalize: flag.openapi({ description: "Also clean the text up with the chat model" }),
        mode: z.enum(["fast", "accurate"]).optional().openapi({
          description: "fast: tesseract; accurate: the vision model (default: OCR_DEFAULT_MODE)",
        }),
      }),
      body: fileForm("PNG, JPEG, WebP, TIFF, BMP or GIF picture, or a PDF"),
    },
    responses: {
      200: {
        description: "The text read",
        content: {
          "application/json": {
            schema: z
              .object({
                ...RECOGNIZED_FILE_FIELDS,
                language: z.string().openapi({ example: "ru" }),
                pages: z.number().int(),
                skipped_pages: z.number().int(),
                unreadable_pages: z.array(z.number().int()).openapi({
                  description: "1-based pages of a multi-page image that could not be decoded",
                }),
                fallback: z.boolean().openapi({
                  description: "accurate was asked for, but tesseract read it",
                }),
              })
              .openapi("ExtractedText"),
          },
        },
      },
      ...errorResponses(400, ...WORK_ERRORS),
    },
  });

const chatSimple = createRoute({
  method: "post",
  path: "/chat/simple",
  tags: ["chat"],
  summary: "One answer from the chat model; nothing is remembered",
  security: [{ apiKey: [] }],
  request: {
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z
            .object({
              message: z.string().trim().min(1).openapi({ example: "Привет! Как дела?" }),
              system_prompt: z.string().optional(),
              max_new_tokens: z.number().int().min(1).max(8192).optional(),
              temperature: z.number().min(0.1).max(1).optional(),
            })
            .openapi("SimpleChat"),
        },
      },
    },
  },
  responses: {
    200: {
      description: "The answer",
      content: {
        "application/json": {
          schema: z
            .object({
              response: z.string(),
              status: z.literal("success"),
              truncated: z.boolean().openapi({ description: "Cut at max_new_tokens" }),
            })
            .openapi("SimpleChatAnswer"),
        },
      },
    },
    ...errorResponses(400, ...WORK_ERRORS),
  },
});

const tableExtract = createRoute({
  method: "post",
  path: "/table/extract",
  tags: ["vision"],
  summary: "A chart, diagram or table picture as a table (the vision model)",
  security: [{ apiKey: [] }],
  request: { body: fileForm("A picture of a chart, a diagram or a table") },
  responses: {
    200: {
      description: "The table: Markdown, rows (header first) and CSV",
      content: {
        "application/json": {
          schema: z
            .object({
              markdown: z.string(),
              rows: z.array(z.array(z.string())),
              csv: z.string(),
              status: z.literal("success"),
            })
            .openapi("Table"),
        },
      },
    },
    ...errorResponses(400, 422, ...WORK_ERRORS),
  },
});

const IMAGE_NAME = /\.(png|jpe?g|webp|tiff?|bmp|gif)$/i;

/** Whether an upload is a PDF or a picture: its first bytes, then its type and name. */
export function documentKind(input: MediaInput): "pdf" | "image" {
  const head = Buffer.from(input.bytes.subarray(0, 5)).toString("latin1");
  const mime = input.mimeType ?? "";
  if (head === "%PDF-" || mime === "application/pdf" || /\.pdf$/i.test(input.fileName ?? ""))
    return "pdf";
  if (mime.startsWith("image/") || IMAGE_NAME.test(input.fileName ?? "") || isOctets(mime))
    return "image";
  throw new HttpError(
    415,
    "input.unsupported",
    `send a picture or a PDF; this file is ${mime || "of no known type"}`,
  );
}

/** No useful type: the bytes decide (a picture that isn't one is refused as corrupt). */
function isOctets(mime: string): boolean {
  return mime === "" || mime === "application/octet-stream";
}

export function workRoutes(deps: OriginalRoutesDeps): OpenAPIHono<ApiEnv> {
  const { jobs, deadline } = deps;
  return routeGroup()
    .openapi(extractText(deps), async (c) => {
      const { normalize, mode } = c.req.valid("query");
      const { file } = c.req.valid("form");
      const input = await mediaInput(file);
      const kind = documentKind(input);
      const read = await withDeadline(c, deadline, (signal) =>
        jobs.recognize({
          owner: c.get("caller").owner,
          input,
          kind,
          normalize,
          mode: mode ?? deps.readingMode,
          signal,
        }),
      );
      const normalized = read.rawText !== undefined;
      return c.json(
        {
          text: read.rawText ?? read.text,
          normalized_text: normalized ? read.text : null,
          normalized,
          status: "success" as const,
          content_type: file.type || null,
          filename: file.name || null,
          language: read.language,
          pages: read.pages,
          skipped_pages: read.skippedPages,
          unreadable_pages: read.unreadablePages ?? [],
          fallback: read.fallback ?? false,
        },
        200,
      );
    })
    .openapi(chatSimple, async (c) => {
      const request = c.req.valid("json");
      const outcome = await withDeadline(c, deadline, (signal) => {
        const reply = jobs.complete({
          owner: c.get("caller").owner,
          messages: [
            ...(request.system_prompt?.trim()
              ? [{ role: "system" as const, text: request.system_prompt }]
              : []),
            { role: "user" as const, text: request.message },
          ],
          ...(request.max_new_tokens === undefined ? {} : { maxNewTokens: request.max_new_tokens }),
          ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
          signal,
        });
        return reply.done;
      });
      return c.json(
        { response: outcome.text, status: "success" as const, truncated: outcome.truncated },
        200,
      );
    })
    .openapi(tableExtract, async (c) => {
      const { file } = c.req.valid("form");
      const input = await mediaInput(file);
      const table = await withDeadline(c, deadline, (signal) =>
        jobs.table({ owner: c.get("caller").owner, input, signal }),
      );
      return c.json({ ...table, status: "success" as const }, 200);
    });
}
