/**
 * The HTTP API in the bot process (ROLE=all, or ROLE=bot where its jobs go to the workers'
 * queues through the same job layer): started when API_PORT is set, never in a worker.
 */
import type { Logger } from "pino";
import type { KeyVerifier } from "../api/auth.js";
import { startApiServer, type ApiServerOptions } from "../api/server.js";
import type { Config } from "../config/index.js";
import { defaultReadingMode } from "../jobs/index.js";
import type { Store } from "../memory/index.js";
import type { RunningServer } from "../server/index.js";
import type { Clock } from "../shared/clock.js";
import type { Core } from "./core.js";

/** What a verifier answers while no key can exist: no keys, so loopback only. */
const NO_KEYS: KeyVerifier = {
  check: () => ({ ok: false, reason: "unknown" }),
  hasKeys: () => false,
};

/**
 * SEAM (keys lane): the API keys the server checks, from the key store in SQLite
 * (`npm run keys`). Until that store is connected here no key exists, and the API serves
 * loopback only, every caller being the anonymous local one.
 */
export function apiKeyVerifier(_store: Store): KeyVerifier {
  return NO_KEYS;
}

const VERSION = "0.1.0";

/** Starts the API server when API_PORT is set; undefined when it is off. */
export async function startApi(
  config: Config,
  core: Core,
  deps: { logger: Logger; clock: Clock },
): Promise<RunningServer | undefined> {
  if (config.api.port === 0 || config.cluster.role === "worker") return undefined;
  return startApiServer(
    apiServerOptions(config, core, { ...deps, keys: apiKeyVerifier(core.store) }),
  );
}

/** The API server's options from the config and the core the bot shares. */
export function apiServerOptions(
  config: Config,
  core: Core,
  deps: { logger: Logger; clock: Clock; keys: KeyVerifier },
): ApiServerOptions {
  const { api } = config;
  return {
    host: api.host,
    port: api.port,
    keys: deps.keys,
    logger: deps.logger.child({ module: "api" }),
    version: VERSION,
    original: {
      jobs: core.jobs,
      status: core.status,
      deadline: { timeoutMs: api.timeoutMs, clock: deps.clock },
      limits: {
        document: { bytes: api.maxDocumentBytes, setting: "API_MAX_DOCUMENT_MB" },
        json: { bytes: api.maxJsonBytes, setting: "API_MAX_JSON_MB" },
      },
      readingMode: defaultReadingMode(
        config.ocr.defaultMode,
        core.local?.profile.models.vision.device,
      ),
      settings: {
        idleUnloadMs: config.models.idleUnloadMs,
        pdfMaxPages: config.ocr.pdfMaxPages,
      },
    },
  };
}
