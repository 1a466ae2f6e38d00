/**
 * What a route's request body may be: its media type (415 naming the one expected, before
 * anything is read) and its size (413 naming the limit and the setting that raises it, while
 * reading: a client that lies about or omits its length is cut off at the limit too).
 */
import type { MiddlewareHandler } from "hono";
import type { ApiEnv } from "./env.js";
import { bodySizeLimit } from "../server/body-limit.js";
import { HttpError } from "./errors.js";

/** The bodies routes take: a JSON document, or a multipart form with a file. */
export type BodyKind = "json" | "multipart";

const MEDIA_TYPES: Record<BodyKind, { pattern: RegExp; name: string }> = {
  json: { pattern: /^application\/([\w.-]+\+)?json$/i, name: "application/json" },
  multipart: { pattern: /^multipart\/form-data$/i, name: "multipart/form-data" },
};

/** A body limit as the error message names it. */
export interface BodyLimit {
  bytes: number;
  /** The environment variable that sets it, e.g. "API_MAX_JSON_MB". */
  setting: string;
}

/** Refuses a body of another media type (415) or over `limit` (413), in the route's terms. */
export function body(kind: BodyKind, limit: BodyLimit): MiddlewareHandler<ApiEnv>[] {
  const expected = MEDIA_TYPES[kind];
  const mediaType: MiddlewareHandler<ApiEnv> = async (c, next) => {
    const sent = (c.req.header("content-type") ?? "").split(";")[0]!.trim();
    if (!expected.pattern.test(sent))
      throw new HttpError(
        415,
        "input.unsupported",
        `this route takes ${expected.name}${kind === "multipart" ? " with a 'file' field" : ""}; ` +
          `the request sent ${sent ? sent : "no Content-Type"}`,
      );
    return next();
  };
  const size = bodySizeLimit<ApiEnv>(limit.bytes, () => {
    throw new HttpError(
      413,
      "input.too_large",
      `the request body is over this route's limit of ${megabytes(limit.bytes)} MB (${limit.setting})`,
    );
  });
  return [mediaType, size];
}

function megabytes(bytes: number): string {
  return String(Math.round((bytes / 2 ** 20) * 10) / 10);
}
