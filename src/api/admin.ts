/**
 * Admin routes: every key's usage per UTC day, the same JSON `npm run keys -- usage` prints,
 * for dashboards and billing scripts that can't reach the database.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { ApiKeyError, type ApiKeyStore } from "../memory/index.js";
import { routeGroup, type RouteGroup } from "./app.js";
import { requireAdmin } from "./auth.js";
import { HttpError } from "./errors.js";

/** Longest span a usage report covers, in days. */
export const MAX_USAGE_DAYS = 366;
export const DEFAULT_USAGE_DAYS = 7;

const amounts = {
  requests: z.number().int(),
  failures: z.number().int(),
  audioSeconds: z.number(),
  pages: z.number().int(),
  tokens: z.number().int(),
};

const UsageReport = z
  .object({
    from: z.string().openapi({ example: "2025-01-25", description: "First UTC day covered" }),
    to: z.string().openapi({ example: "2025-01-31", description: "Last UTC day covered (today)" }),
    keys: z.array(
      z.object({
        name: z.string(),
        total: z.object(amounts),
        days: z.array(z.object({ day: z.string(), ...amounts })),
      }),
    ),
  })
  .openapi("KeyUsageReport");

const usageRoute = createRoute({
  method: "get",
  path: "/usage",
  summary: "Every API key's usage per UTC day (admin key)",
  security: [{ apiKey: [] }],
  middleware: [requireAdmin] as const,
  request: {
    query: z.object({
      days: z.coerce
        .number()
        .int()
        .min(1)
        .max(MAX_USAGE_DAYS)
        .default(DEFAULT_USAGE_DAYS)
        .openapi({ description: "Days covered, today included" }),
      key: z.string().optional().openapi({ description: "Only this key" }),
    }),
  },
  responses: {
    200: {
      content: { "application/json": { schema: UsageReport } },
      description: "Requests, failures, audio seconds, pages and chat tokens per key and day",
    },
  },
});

/** `GET /admin/usage?days=N&key=NAME`, answering errors in FastAPI's shape. */
export function adminRoutes(keys: Pick<ApiKeyStore, "usageReport">): RouteGroup {
  const routes = routeGroup();
  routes.openapi(usageRoute, (c) => {
    const { days, key } = c.req.valid("query");
    try {
      return c.json(keys.usageReport({ days, ...(key === undefined ? {} : { name: key }) }), 200);
    } catch (error) {
      if (error instanceof ApiKeyError) throw new HttpError(404, error.code, error.message);
      throw error;
    }
  });
  return { path: "/admin", shape: "fastapi", routes };
}
