/**
 * The HTTP API server: the original routes, the docs page and any further route groups in
 * one app, listening where configured. It refuses to listen beyond loopback while no API
 * key exists, since anyone who reached it could then use the models.
 */
import type { Hono, MiddlewareHandler } from "hono";
import type { Logger } from "pino";
import { listen, type RunningServer } from "../server/listen.js";
import { createApiApp, type RouteGroup } from "./app.js";
import type { KeyVerifier } from "./auth.js";
import { docsRoutes } from "./docs.js";
import type { ApiEnv } from "./env.js";
import type { ApiLimiter } from "./key-limits.js";
import { healthRoutes, originalRoutes, type OriginalRoutesDeps } from "./original/index.js";
import { routePolicies, type BodyLimits } from "./route-policy.js";
import { speechRoutes } from "./speech-routes.js";
import { v1Routes, type V1Deps } from "./v1/index.js";

export interface ApiServerOptions {
  host: string;
  /** 0 picks a free port (tests); the app starts no server while API_PORT is 0. */
  port: number;
  keys: KeyVerifier;
  logger: Logger;
  version: string;
  original: OriginalRoutesDeps;
  v1: V1Deps;
  /** Each key's rate limit and daily quotas. */
  limiter: ApiLimiter;
  bodyLimits: BodyLimits;
  /** Run before the key check, so refused requests count too (the metrics per route). */
  before?: MiddlewareHandler<ApiEnv>[];
  /** Further route groups (the admin's usage report). */
  groups?: RouteGroup[];
}

/** The whole API as one app, for a server or for `app.request()` in tests. */
export function apiApp(options: Omit<ApiServerOptions, "host" | "port">): Hono<ApiEnv> {
  return createApiApp({
    keys: options.keys,
    logger: options.logger,
    version: options.version,
    publicRoutes: [healthRoutes(options.original), docsRoutes()],
    ...(options.before ? { before: options.before } : {}),
    after: routePolicies(options.limiter, options.bodyLimits),
    groups: [
      originalRoutes(options.original),
      { path: "/", shape: "fastapi", routes: speechRoutes(options.v1) },
      { path: "/v1", shape: "openai", routes: v1Routes(options.v1) },
      ...(options.groups ?? []),
    ],
  });
}

/** Starts the API server; rejects with a clear message when it must not or can't listen. */
export async function startApiServer(options: ApiServerOptions): Promise<RunningServer> {
  const { host, logger } = options;
  if (!isLoopback(host) && !options.keys.hasKeys())
    throw new Error(
      `API_HOST=${host} is not a loopback address and no API key exists: anyone who reaches ` +
        "it could use the models. Create a key first (npm run keys -- add NAME), or bind " +
        "API_HOST=127.0.0.1",
    );
  const server = await listen(apiApp(options), host, options.port);
  logger.info(
    { host, port: server.port, keys: options.keys.hasKeys() },
    "HTTP API listening (docs at /docs)",
  );
  return server;
}

/** 127.0.0.0/8, ::1 and localhost: reachable from this machine only. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  return (
    bare === "localhost" ||
    bare === "::1" ||
    /^127(\.\d{1,3}){3}$/.test(bare) ||
    /^::ffff:127(\.\d{1,3}){3}$/.test(bare)
  );
}
