/**
 * The routes of the service this API grew from, with its paths and field names, errors in
 * FastAPI's `{"detail": ...}` shape; plus the table reader, which it lacked.
 */
import { routeGroup, type RouteGroup } from "../app.js";
import type { OriginalRoutesDeps } from "./deps.js";
import { documentRoutes } from "./documents.js";
import { modelRoutes } from "./models.js";
import { workRoutes } from "./work.js";

export type { OriginalRoutesDeps } from "./deps.js";
export { healthRoutes } from "./models.js";
export { documentKind } from "./work.js";

/** Every original route but `/health` (public, mounted before the key check). */
export function originalRoutes(deps: OriginalRoutesDeps): RouteGroup {
  const routes = routeGroup()
    .route("/", modelRoutes(deps))
    .route("/", workRoutes(deps))
    .route("/", documentRoutes(deps));
  return { path: "/", shape: "fastapi", routes };
}
