/**
 * Records every API request in the app's Prometheus metrics, refused ones included (mount
 * it before authentication): the route is the matched route's pattern, never the raw path,
 * so `/v1/files/abc` and `/v1/files/def` are one series, and a path no route has is
 * "unmatched" (scanners probing random paths add no series).
 */
import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { ApiMetrics } from "../metrics/index.js";
import type { ApiEnv } from "./env.js";

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

export function measureRequests(
  metrics: ApiMetrics,
  now: () => number = () => performance.now(),
): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const started = now();
    try {
      await next();
    } finally {
      const method = METHODS.has(c.req.method) ? c.req.method : "other";
      metrics.observeRequest(routePattern(c), method, c.res.status, (now() - started) / 1000);
    }
  };
}

/** The endpoint the request matched (middleware registered with `use` match every path). */
function routePattern(c: Context): string {
  return matchedRoutes(c).findLast((route) => route.method !== "ALL")?.path ?? "unmatched";
}
