/**
 * One mapping from what went wrong to an HTTP answer, and the two shapes it is written in:
 * OpenAI's `{"error":{"message","type","code"}}` under `/v1` (what its clients parse into
 * typed errors) and FastAPI's `{"detail": ...}` on the original routes (what the service
 * this API grew from answered).
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { isAppError, type ErrorCode } from "../shared/errors.js";

/** An answer the API gives on purpose: status, a stable code and a clear message. */
export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly status: ContentfulStatusCode,
    /** Stable and machine-readable: an {@link ErrorCode} or one of the API's own ("auth.missing"). */
    readonly code: string,
    message: string,
    /** Seconds a client should wait before trying again (429 and 503). */
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

/** How long a refused client is told to wait: a line drains in seconds, a load in a minute. */
const RETRY_AFTER_BUSY_S = 5;
const RETRY_AFTER_UNAVAILABLE_S = 30;

const STATUS_OF: Record<ErrorCode, ContentfulStatusCode> = {
  "input.unsupported": 415,
  "input.too_large": 413,
  "input.too_long": 400,
  "input.empty": 400,
  "input.corrupt": 400,
  "audio.corrupt": 400,
  "audio.empty": 400,
  "audio.too_long": 413,
  "audio.no_speech": 422,
  "image.corrupt": 400,
  "image.too_large": 413,
  "pdf.corrupt": 400,
  "pdf.encrypted": 400,
  "pdf.too_large": 413,
  "tts.too_long": 400,
  "model.missing": 503,
  "model.load_failed": 503,
  "model.failed": 500,
  "model.budget_exceeded": 503,
  "model.busy": 429,
  "owner.busy": 429,
  "model.shutting_down": 503,
  // nginx's "client closed request": only logs ever see it, the client has gone.
  "job.cancelled": 499 as ContentfulStatusCode,
  "vision.timeout": 504,
  "vision.no_table": 422,
  "document.none": 400,
  "document.gone": 404,
  "cluster.no_worker": 503,
  "cluster.unavailable": 503,
  "cluster.lost": 503,
  "tool.missing": 500,
  "tool.failed": 500,
  "tool.timeout": 504,
  "telegram.timeout": 504,
  "download.timeout": 504,
};

/** Turns anything thrown by a route into the answer to give; unknown errors are internal. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (!isAppError(error)) return new HttpError(500, "internal", "internal error");
  const status = STATUS_OF[error.code];
  const retryAfterS =
    status === 429 ? RETRY_AFTER_BUSY_S : status === 503 ? RETRY_AFTER_UNAVAILABLE_S : undefined;
  return new HttpError(status, error.code, error.message, retryAfterS);
}

/** OpenAI's error `type` for a status, as its API and clients use them. */
function openAiType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

export type ErrorShape = "openai" | "fastapi";

/** Writes `error` in the route group's shape, with `Retry-After` where it applies. */
export function errorResponse(c: Context, shape: ErrorShape, error: HttpError): Response {
  const headers: Record<string, string> =
    error.retryAfterS === undefined ? {} : { "Retry-After": String(error.retryAfterS) };
  const body =
    shape === "openai"
      ? { error: { message: error.message, type: openAiType(error.status), code: error.code } }
      : { detail: error.message };
  return c.json(body, error.status, headers);
}
