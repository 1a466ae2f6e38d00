/** Schemas the original routes share: errors in FastAPI's shape, as the OpenAPI document shows them. */
import { z } from "@hono/zod-openapi";

const errorSchema = z
  .object({ detail: z.string().openapi({ example: "the file is empty (0 bytes)" }) })
  .openapi("Error");

const DESCRIPTIONS: Record<number, string> = {
  400: "Invalid input: every problem named",
  401: "No API key, or not a valid one",
  403: "Needs an admin API key",
  409: "The model is working, or runs on workers",
  413: "The body or the file is over its limit",
  415: "Another Content-Type is expected",
  422: "Nothing to return (e.g. no table in the picture)",
  429: "A full line: try again after Retry-After",
  503: "The model can't be loaded now",
  504: "No answer within API_TIMEOUT",
};

/** The error responses a route may give, for its OpenAPI entry. */
export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: DESCRIPTIONS[status] ?? "Error",
        content: { "application/json": { schema: errorSchema } },
      },
    ]),
  );
}

/** What the work routes may refuse with, beyond their own input checks. */
export const WORK_ERRORS = [401, 413, 415, 429, 503, 504] as const;

/** The fields the original service answered every recognized file with (OCR and ASR alike). */
export const RECOGNIZED_FILE_FIELDS = {
  text: z.string(),
  normalized_text: z.string().nullable(),
  normalized: z.boolean(),
  status: z.literal("success"),
  content_type: z.string().nullable(),
  filename: z.string().nullable(),
};
