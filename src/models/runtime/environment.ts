/**
 * The one place that configures transformers.js's process-wide `env`. Models pulled from the
 * hub and the repository's fixtures share one storage layout, `<modelsDir>/<org>/<name>/<file>`:
 * transformers.js looks a model id up under `env.localModelPath` first and caches downloads
 * under `env.cacheDir` with the key `<org>/<name>/<file>` (revision "main"), so pointing both at
 * the same folder means a pulled model, a lazily downloaded one and a fixture are all found by
 * their id. Both default to folders inside node_modules, which `npm ci` wipes: always set them.
 */
import { resolve } from "node:path";
import { env } from "@huggingface/transformers";
import type { Logger } from "pino";
import type { SessionThreads } from "./threads.js";

export const DEFAULT_REMOTE_HOST = "https://huggingface.co";

export interface RuntimeOptions {
  /** Folder holding `<org>/<name>/...` model folders; made absolute. */
  modelsDir: string;
  /** Whether a model missing from `modelsDir` may be downloaded on first load. */
  allowRemoteModels: boolean;
  /** Hub base URL (default the Hugging Face hub); tests point it at a loopback server. */
  remoteHost?: string;
  /** ONNX Runtime threads per session (see threads.ts); omitted = ONNX Runtime's default. */
  threads?: SessionThreads;
  logger: Logger;
}

/** The settings in force, handed to the code that loads or pulls models. */
export interface RuntimeSettings {
  readonly modelsDir: string;
  readonly allowRemoteModels: boolean;
  readonly remoteHost: string;
  readonly threads?: SessionThreads;
}

/** Applies the settings to transformers.js's global `env` and returns them. */
export function configureRuntime(options: RuntimeOptions): RuntimeSettings {
  const settings: RuntimeSettings = Object.freeze({
    modelsDir: resolve(options.modelsDir),
    allowRemoteModels: options.allowRemoteModels,
    remoteHost: options.remoteHost ?? DEFAULT_REMOTE_HOST,
    ...(options.threads ? { threads: Object.freeze({ ...options.threads }) } : {}),
  });
  env.localModelPath = settings.modelsDir;
  env.cacheDir = settings.modelsDir;
  env.allowLocalModels = true;
  env.allowRemoteModels = settings.allowRemoteModels;
  // transformers.js joins host and path with "/", so a trailing slash is harmless either way.
  env.remoteHost = settings.remoteHost.endsWith("/")
    ? settings.remoteHost
    : `${settings.remoteHost}/`;
  options.logger.debug({ ...settings }, "transformers.js runtime configured");
  return settings;
}

/** The hub URL of one file, in transformers.js's `env.remotePathTemplate` layout. */
export function hubFileUrl(
  remoteHost: string,
  modelId: string,
  path: string,
  revision = "main",
): string {
  const host = remoteHost.endsWith("/") ? remoteHost.slice(0, -1) : remoteHost;
  return `${host}/${modelId}/resolve/${encodeURIComponent(revision)}/${path}`;
}
