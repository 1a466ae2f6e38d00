/**
 * The HTTP API as one Hono app: authentication, the route groups (the original service's
 * routes and the OpenAI-compatible `/v1`), errors in each group's shape, the OpenAPI
 * document generated from the route schemas, and a docs page. It is a front-end like the
 * bot: routes read requests and write answers; the job layer decides the rest.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context, Hono, MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "pino";
import type { ZodError } from "zod";
import { authenticate, type KeyVerifier } from "./auth.js";
import type { ApiEnv } from "./env.js";
import { errorResponse, HttpError, toHttpError, type ErrorShape } from "./errors.js";

/** A group of routes mounted at `path`, answering errors in `shape`. */
export interface RouteGroup {
  path: string;
  shape: ErrorShape;
  routes: OpenAPIHono<ApiEnv>;
}

export interface ApiAppOptions {
  keys: KeyVerifier;
  logger: Logger;
  /** Routes anyone may call, mounted before the key check (`/health`, `/docs`). */
  publicRoutes?: Hono<ApiEnv>[];
  groups: RouteGroup[];
  version: string;
  /** Run before authentication, so they see refused requests too (metrics). */
  before?: MiddlewareHandler<ApiEnv>[];
  /** Run after authentication, before the routes, on the paths named (limits, quotas). */
  after?: { path: string; handlers: MiddlewareHandler<ApiEnv>[] }[];
}

/** Route schemas refuse bad input with a 400 that names every problem, in the group's shape. */
export function routeGroup(): OpenAPIHono<ApiEnv> {
  return new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => {
      if (!result.success) throw new HttpError(400, "input.invalid", describeIssues(result.error));
    },
  });
}

export function createApiApp(options: ApiAppOptions): OpenAPIHono<ApiEnv> {
  const { logger } = options;
  const app = new OpenAPIHono<ApiEnv>();
  const shapeOf = (c: Context) =>
    options.groups.find((group) => group.path !== "/" && c.req.path.startsWith(group.path))
      ?.shape ?? "fastapi";

  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Local AI models",
      version: options.version,
      description: "OCR, speech recognition, speech synthesis and chat, served on this machine.",
    },
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
    type: "http",
    scheme: "bearer",
  });

  for (const middleware of options.before ?? []) app.use("*", middleware);
  // Routes mounted before the key check answer without it, as /openapi.json above does.
  for (const routes of options.publicRoutes ?? []) app.route("/", routes);
  app.use("*", authenticate(options.keys));
  for (const { path, handlers } of options.after ?? []) app.use(path, ...handlers);
  for (const group of options.groups) app.route(group.path, group.routes);

  app.notFound((c) =>
    errorResponse(c, shapeOf(c), new HttpError(404, "not_found", "no such route")),
  );
  app.onError((error, c) => {
    const http = error instanceof HTTPException ? fromHonoException(error) : toHttpError(error);
    const fields = { method: c.req.method, path: c.req.path, status: http.status, code: http.code };
    if (http.status >= 500) logger.error({ ...fields, err: error }, "API request failed");
    else logger.info(fields, "API request refused");
    return errorResponse(c, shapeOf(c), http);
  });
  return app;
}

/** Hono's own refusals (malformed JSON, a body over the limit) in the API's terms. */
function fromHonoException(error: HTTPException): HttpError {
  const status = error.status as ContentfulStatusCode;
  const code =
    status === 413 ? "input.too_large" : status === 415 ? "input.unsupported" : "input.invalid";
  return new HttpError(status, code, error.message || "the request is not valid");
}

function describeIssues(error: ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "body"}: ${issue.message}`)
    .join("; ");
}
