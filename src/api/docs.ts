/**
 * The docs page at `/docs`: Swagger UI over `/openapi.json`, its scripts and styles served
 * from this machine's swagger-ui-dist (the machine may be offline; nothing comes from a CDN).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { createRequire } from "node:module";
import { Hono } from "hono";
import type { ApiEnv } from "./env.js";
import { HttpError } from "./errors.js";

const ASSETS_DIR = path.dirname(
  createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"),
);

/** The files the page loads, and their types; nothing else of the package is served. */
const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Local AI models: API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;

// A script file rather than inline code, so a strict Content-Security-Policy can forbid inline scripts.
const INIT = `window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: "StandaloneLayout",
  persistAuthorization: true,
});
`;

/** `/docs`, `/docs/init.js` and `/docs/assets/*`: public, like the document they show. */
export function docsRoutes(): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const cache = new Map<string, Uint8Array<ArrayBuffer>>();
  app.get("/docs", (c) => c.html(PAGE));
  app.get("/docs/init.js", (c) =>
    c.body(INIT, 200, { "Content-Type": "text/javascript; charset=utf-8" }),
  );
  app.get("/docs/assets/:name", async (c) => {
    const name = c.req.param("name");
    const type = ASSETS[name];
    if (type === undefined) throw new HttpError(404, "not_found", "no such file");
    let bytes = cache.get(name);
    if (!bytes) {
      bytes = new Uint8Array(await readFile(path.join(ASSETS_DIR, name)));
      cache.set(name, bytes);
    }
    return c.body(bytes, 200, { "Content-Type": type, "Cache-Control": "public, max-age=86400" });
  });
  return app;
}
