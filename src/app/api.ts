/**
 * The HTTP API in the bot process (ROLE=all, or ROLE=bot where its jobs go to the workers'
 * queues through the same job layer): started when API_PORT is set, never in a worker.
 */
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { adminRoutes } from "../api/admin.js";
import { storeApiLimiter } from "../api/key-limits.js";
import { storeKeyVerifier } from "../api/key-verifier.js";
import { measureRequests } from "../api/metrics.js";
import { startApiServer, type ApiServerOptions } from "../api/server.js";
import { offeredModels } from "../api/v1/index.js";
import type { Config } from "../config/index.js";
import { defaultReadingMode } from "../jobs/index.js";
import { createApiMetrics } from "../metrics/index.js";
import type { RunningServer } from "../server/index.js";
import type { Clock } from "../shared/clock.js";
import type { Core } from "./core.js";
import { configuredProfile } from "./models.js";

const VERSION = "0.1.0";

/** Starts the API server when API_PORT is set; undefined when it is off. */
export async function startApi(
  config: Config,
  core: Core,
  deps: { logger: Logger; clock: Clock; registry: Registry },
): Promise<RunningServer | undefined> {
  if (config.api.port === 0 || config.cluster.role === "worker") return undefined;
  return startApiServer(apiServerOptions(config, core, deps));
}

/** The API server's options from the config and the core the bot shares. */
export function apiServerOptions(
  config: Config,
  core: Core,
  deps: { logger: Logger; clock: Clock; registry?: Registry },
): ApiServerOptions {
  const { api } = config;
  const readingMode = defaultReadingMode(
    config.ocr.defaultMode,
    core.local?.profile.models.vision.device,
  );
  // ROLE=bot has no models of its own: it offers what the settings it shares with the workers name.
  const profile = core.local?.profile ?? configuredProfile(config, false);
  return {
    host: api.host,
    port: api.port,
    keys: storeKeyVerifier(core.store.apiKeys),
    limiter: storeApiLimiter(core.store, config.apiLimits, deps.clock),
    bodyLimits: {
      document: { bytes: api.maxDocumentBytes, setting: "API_MAX_DOCUMENT_MB" },
      audio: { bytes: api.maxAudioBytes, setting: "API_MAX_AUDIO_MB" },
      json: { bytes: api.maxJsonBytes, setting: "API_MAX_JSON_MB" },
    },
    ...(deps.registry ? { before: [measureRequests(createApiMetrics(deps.registry))] } : {}),
    groups: [adminRoutes(core.store.apiKeys)],
    logger: deps.logger.child({ module: "api" }),
    version: VERSION,
    original: {
      jobs: core.jobs,
      status: core.status,
      deadline: { timeoutMs: api.timeoutMs, clock: deps.clock },
      readingMode,
      settings: {
        idleUnloadMs: config.models.idleUnloadMs,
        pdfMaxPages: config.ocr.pdfMaxPages,
      },
    },
    v1: { jobs: core.jobs, models: offeredModels(profile.models), readingMode },
  };
}
