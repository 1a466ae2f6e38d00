/**
 * The OpenAI-compatible routes, mounted by the app at "/v1" with errors in OpenAI's shape:
 * models, chat completions, transcriptions, speech, and our OCR route.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { JobLayer, ReadingMode } from "../../jobs/index.js";
import { routeGroup } from "../app.js";
import type { ApiEnv } from "../env.js";
import { audioRoutes } from "./audio.js";
import { chatRoutes } from "./chat.js";
import type { OfferedModel } from "./models.js";
import { ocrRoutes } from "./ocr.js";

export { MODEL_ALIASES, offeredModels, type OfferedModel } from "./models.js";

export interface V1Deps {
  jobs: Pick<JobLayer, "complete" | "transcribe" | "speak" | "recognize">;
  /** What `GET /v1/models` lists and `model` fields name (see {@link offeredModels}). */
  models: readonly OfferedModel[];
  /** `/v1/ocr` without `mode`: OCR_DEFAULT_MODE resolved (`defaultReadingMode`). */
  readingMode: ReadingMode;
}

const modelList = createRoute({
  method: "get",
  path: "/models",
  summary: "The models this server offers (OpenAI's list shape)",
  security: [{ apiKey: [] }],
  responses: {
    200: {
      description: "The models",
      content: {
        "application/json": {
          schema: z.object({
            object: z.literal("list"),
            data: z.array(
              z.object({
                id: z.string(),
                object: z.literal("model"),
                created: z.number(),
                owned_by: z.string(),
              }),
            ),
          }),
        },
      },
    },
  },
});

/** The `/v1` route group. */
export function v1Routes(deps: V1Deps): OpenAPIHono<ApiEnv> {
  const app = routeGroup();
  app.openapi(modelList, (c) =>
    c.json(
      {
        object: "list" as const,
        data: deps.models.map((model) => ({
          id: model.id,
          object: "model" as const,
          created: 0,
          owned_by: `local:${model.kind}`,
        })),
      },
      200,
    ),
  );
  chatRoutes(app, deps);
  audioRoutes(app, deps);
  ocrRoutes(app, deps);
  return app;
}
