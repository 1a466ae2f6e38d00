/**
 * Every work route's policy in one table: which daily quota of the caller's key it counts
 * against, and what body it takes and how large (415 and 413 before the route reads it).
 */
import type { MiddlewareHandler } from "hono";
import type { ApiEnv } from "./env.js";
import type { ApiLimiter, MeteredWork } from "./key-limits.js";
import { body, type BodyKind, type BodyLimit } from "./limits.js";

/** The API's body limits by what a route receives. */
export interface BodyLimits {
  json: BodyLimit;
  document: BodyLimit;
  audio: BodyLimit;
}

interface RoutePolicy {
  path: string;
  work: MeteredWork;
  body: { kind: BodyKind; limit: keyof BodyLimits };
}

const POLICIES: readonly RoutePolicy[] = [
  { path: "/ocr/extract-text", work: "pages", body: { kind: "multipart", limit: "document" } },
  { path: "/table/extract", work: "pages", body: { kind: "multipart", limit: "document" } },
  { path: "/chat/simple", work: "tokens", body: { kind: "json", limit: "json" } },
  // Every question is a chat answer, counted in tokens (a file's pages are read for it).
  { path: "/documents/ask", work: "tokens", body: { kind: "multipart", limit: "document" } },
  { path: "/asr/transcribe", work: "audio", body: { kind: "multipart", limit: "audio" } },
  { path: "/tts/synthesize", work: "none", body: { kind: "json", limit: "json" } },
  { path: "/v1/chat/completions", work: "tokens", body: { kind: "json", limit: "json" } },
  {
    path: "/v1/audio/transcriptions",
    work: "audio",
    body: { kind: "multipart", limit: "audio" },
  },
  { path: "/v1/audio/speech", work: "none", body: { kind: "json", limit: "json" } },
  { path: "/v1/ocr", work: "pages", body: { kind: "multipart", limit: "document" } },
];

/**
 * The middleware to mount after authentication: per work route its quota and body checks,
 * then every other route's rate limit (a request counts once, against one limit check).
 */
export function routePolicies(
  limiter: ApiLimiter,
  limits: BodyLimits,
): { path: string; handlers: MiddlewareHandler<ApiEnv>[] }[] {
  const work = POLICIES.map((policy) => ({
    path: policy.path,
    handlers: [
      limiter.middleware(policy.work),
      ...body(policy.body.kind, limits[policy.body.limit]),
    ],
  }));
  const metered = new Set(POLICIES.map((policy) => policy.path));
  const rest: MiddlewareHandler<ApiEnv> = async (c, next) => {
    if (!metered.has(c.req.path)) limiter.admit(c.get("caller"), "none");
    await next();
  };
  return [...work, { path: "*", handlers: [rest] }];
}
