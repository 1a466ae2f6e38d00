/**
 * The original service's model routes: `/health` (public: probes carry no key),
 * `/models/status`, `/{kind}/model-info`, and `/{kind}/reload-model` for admins, which
 * unloads an idle model so its next request loads it afresh and never breaks a running job.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { routeGroup } from "../app.js";
import { requireAdmin } from "../auth.js";
import type { ApiEnv } from "../env.js";
import { HttpError } from "../errors.js";
import type { OriginalRoutesDeps } from "./deps.js";
import {
  isLoaded,
  MODEL_KINDS,
  memoryOf,
  memorySchema,
  modelInfo,
  modelInfoSchema,
  modelsOf,
  RELOADABLE_KINDS,
  type ModelKind,
} from "./kinds.js";
import { errorResponses } from "./schemas.js";

const kindsLoaded = z.object(
  Object.fromEntries(Object.keys(MODEL_KINDS).map((kind) => [kind, z.boolean()])) as Record<
    ModelKind,
    z.ZodBoolean
  >,
);

const health = createRoute({
  method: "get",
  path: "/health",
  tags: ["service"],
  summary: "Whether the service runs, on what, its memory and which kinds are loaded",
  responses: {
    200: {
      description: "The service is up",
      content: {
        "application/json": {
          schema: z
            .object({
              status: z.literal("healthy"),
              device: z.string().openapi({ example: "cuda (profile gpu)" }),
              memory: memorySchema,
              models_loaded: kindsLoaded,
            })
            .openapi("Health"),
        },
      },
    },
  },
});

/** `/health`: mounted before the key check, like `/openapi.json` and `/docs`. */
export function healthRoutes(deps: Pick<OriginalRoutesDeps, "status">): OpenAPIHono<ApiEnv> {
  return routeGroup().openapi(health, (c) => {
    const snapshot = deps.status.snapshot();
    const loaded = Object.fromEntries(
      (Object.keys(MODEL_KINDS) as ModelKind[]).map((kind) => [
        kind,
        modelsOf(snapshot, kind).some(isLoaded),
      ]),
    ) as Record<ModelKind, boolean>;
    return c.json(
      {
        status: "healthy" as const,
        device: snapshot.device,
        memory: memoryOf(snapshot),
        models_loaded: loaded,
      },
      200,
    );
  });
}

const kindParam = z.object({
  kind: z.enum(RELOADABLE_KINDS).openapi({ param: { name: "kind", in: "path" }, example: "chat" }),
});

const modelsStatus = createRoute({
  method: "get",
  path: "/models/status",
  tags: ["models"],
  summary: "Every model: state, idle time, footprint; memory and the unload setting",
  security: [{ apiKey: [] }],
  responses: {
    200: {
      description: "The models' state",
      content: {
        "application/json": {
          schema: z
            .object({
              models: z.record(z.string(), modelInfoSchema),
              memory: memorySchema,
              settings: z.object({
                lazy_loading: z.literal(true),
                auto_unload: z.boolean(),
                auto_unload_timeout_minutes: z.number(),
              }),
            })
            .openapi("ModelsStatus"),
        },
      },
    },
    ...errorResponses(401),
  },
});

const modelInfoRoute = createRoute({
  method: "get",
  path: "/{kind}/model-info",
  tags: ["models"],
  summary: "The models of one kind (tts: both voices)",
  security: [{ apiKey: [] }],
  request: { params: kindParam },
  responses: {
    200: {
      description: "The kind's models",
      content: {
        "application/json": {
          schema: z
            .object({ kind: z.string(), loaded: z.boolean(), models: z.array(modelInfoSchema) })
            .openapi("KindInfo"),
        },
      },
    },
    ...errorResponses(400, 401),
  },
});

const reloadRoute = createRoute({
  method: "post",
  path: "/{kind}/reload-model",
  tags: ["models"],
  summary: "Unload the kind's idle model, so its next request loads it afresh (admin key)",
  description:
    "A model with jobs running or waiting is left loaded: 409. Where the models run on " +
    "workers (ROLE=bot) the workers own them: 409 too.",
  security: [{ apiKey: [] }],
  middleware: [requireAdmin] as const,
  request: { params: kindParam },
  responses: {
    200: {
      description: "Unloaded, or not loaded at all",
      content: {
        "application/json": {
          schema: z
            .object({ status: z.literal("success"), message: z.string() })
            .openapi("Reloaded"),
        },
      },
    },
    ...errorResponses(400, 401, 403, 409),
  },
});

export function modelRoutes(deps: OriginalRoutesDeps): OpenAPIHono<ApiEnv> {
  const { status } = deps;
  const idleMinutes = deps.settings.idleUnloadMs / 60_000;
  return routeGroup()
    .openapi(modelsStatus, (c) => {
      const snapshot = status.snapshot();
      return c.json(
        {
          models: Object.fromEntries(snapshot.models.map((model) => [model.id, modelInfo(model)])),
          memory: memoryOf(snapshot),
          settings: {
            lazy_loading: true as const,
            auto_unload: idleMinutes > 0,
            auto_unload_timeout_minutes: idleMinutes,
          },
        },
        200,
      );
    })
    .openapi(modelInfoRoute, (c) => {
      const { kind } = c.req.valid("param");
      const models = modelsOf(status.snapshot(), kind);
      return c.json({ kind, loaded: models.some(isLoaded), models: models.map(modelInfo) }, 200);
    })
    .openapi(reloadRoute, async (c) => {
      const { kind } = c.req.valid("param");
      const outcomes = [];
      for (const id of MODEL_KINDS[kind]) outcomes.push(await status.unloadModel(id));
      if (outcomes.includes("remote"))
        throw new HttpError(
          409,
          "models.remote",
          "this process runs no models (ROLE=bot): the workers own them; restart the worker " +
            `that serves ${kind} to load its model afresh`,
        );
      if (outcomes.includes("busy"))
        throw new HttpError(
          409,
          "model.working",
          `the ${kind} model is working (jobs running, waiting, or a load under way): it was ` +
            "left loaded; try again when it is idle",
        );
      const message = outcomes.includes("unloaded")
        ? `the ${kind} model was unloaded: the next request loads it afresh`
        : `the ${kind} model was not loaded: the next request loads it`;
      return c.json({ status: "success" as const, message }, 200);
    });
}
