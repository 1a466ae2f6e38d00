/**
 * Questions about a document over HTTP (`/documents/ask`): a PDF, a picture or a plain
 * text sent with the question, answered from that document only, with its sources (pages
 * of a PDF). A key has no conversation and no stored results, so nothing is kept: the
 * passages live for the one question, and a follow-up sends the document again.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { routeGroup } from "../app.js";
import { withDeadline } from "../deadline.js";
import type { ApiEnv } from "../env.js";
import { HttpError } from "../errors.js";
import { fileField, mediaInput } from "../uploads.js";
import type { OriginalRoutesDeps } from "./deps.js";
import { errorResponses, WORK_ERRORS } from "./schemas.js";
import { documentKind } from "./work.js";

const source = z
  .object({
    page: z
      .number()
      .int()
      .optional()
      .openapi({ description: "1-based page of a PDF or a multi-page TIFF" }),
    quote: z.string().openapi({ description: "The sentence of the passage that backs the answer" }),
  })
  .openapi("DocumentSource");

const documentAsk = createRoute({
  method: "post",
  path: "/documents/ask",
  tags: ["documents"],
  summary: "A question about a PDF, a picture or a text, answered from it with sources",
  description:
    "Send `question` and either `file` (a PDF or a picture, read as /ocr/extract-text reads " +
    "it) or `text`. The answer says only what the document says; when the document doesn't " +
    "hold it, `found` is false, `answer` is empty and `sources` are the nearest places. " +
    "Nothing is stored.",
  security: [{ apiKey: [] }],
  request: {
    body: {
      required: true,
      content: {
        "multipart/form-data": {
          schema: z.object({
            question: z.string().trim().min(1),
            file: fileField.optional().openapi({ description: "A PDF or a picture" }),
            text: z.string().optional().openapi({ description: "The document as plain text" }),
            mode: z.enum(["fast", "accurate"]).optional(),
            language: z.enum(["ru", "en"]).optional().openapi({
              description: "The answer's language when the question is in neither",
            }),
          }),
        },
      },
    },
  },
  responses: {
    200: {
      description: "The answer and its sources",
      content: {
        "application/json": {
          schema: z
            .object({
              found: z.boolean(),
              answer: z.string(),
              sources: z.array(source),
              language: z.enum(["ru", "en"]),
              truncated: z.boolean(),
              status: z.literal("success"),
            })
            .openapi("DocumentAnswer"),
        },
      },
    },
    ...errorResponses(400, ...WORK_ERRORS),
  },
});

export function documentRoutes(deps: OriginalRoutesDeps): OpenAPIHono<ApiEnv> {
  const { jobs, deadline } = deps;
  return routeGroup().openapi(documentAsk, async (c) => {
    const form = c.req.valid("form");
    if ((form.file === undefined) === (form.text === undefined || form.text.trim() === ""))
      throw new HttpError(400, "input.empty", "send either a file or a text, and a question");
    const input = form.file ? await mediaInput(form.file) : undefined;
    const document = input
      ? { input, kind: documentKind(input), mode: form.mode ?? deps.readingMode }
      : { text: form.text! };
    const answer = await withDeadline(c, deadline, (signal) =>
      jobs.askAbout({
        owner: c.get("caller").owner,
        document,
        question: form.question,
        language: form.language ?? "en",
        signal,
      }),
    );
    return c.json(
      {
        found: answer.found,
        answer: answer.text,
        sources: answer.sources.map(({ place, quote }) => ({
          ...("page" in place ? { page: place.page } : {}),
          quote,
        })),
        language: answer.language,
        truncated: answer.truncated,
        status: "success" as const,
      },
      200,
    );
  });
}
