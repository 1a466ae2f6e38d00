/**
 * `models:pull`: downloads exactly the files transformers.js will read for each model of a
 * profile into MODELS_DIR, in the layout the runtime reads (`<modelsDir>/<org>/<name>/<path>`).
 * Each file is written to `<file>.part` and renamed when complete, so a file that exists is
 * complete and is skipped; an interrupted `.part` is resumed with an HTTP Range request.
 * After downloading, each model is loaded once (then disposed) to prove the files work.
 */
import { createWriteStream } from "node:fs";
import { mkdir, readFile, rename, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { finished } from "node:stream/promises";
import type { Logger } from "pino";
import { ModelError } from "../../shared/errors.js";
import { hubFileUrl } from "./environment.js";
import {
  modelFiles,
  type ModelConfigHints,
  type ModelDtype,
  type PipelineTask,
} from "./model-files.js";
import { createPipeline, type PipelineFactory } from "./pipeline.js";
import type { ComputeDevice } from "../contract.js";

/** One model to pull. */
export interface PullTarget {
  modelId: string;
  pipelineTask: PipelineTask;
  dtype: ModelDtype;
  /** The device the post-pull load check asks for. */
  device: ComputeDevice;
}

export type PullEvent =
  | { type: "file-start"; modelId: string; path: string; resumeFrom: number; totalBytes?: number }
  | { type: "file-progress"; modelId: string; path: string; bytes: number; totalBytes?: number }
  | { type: "file-done"; modelId: string; path: string; bytes: number; skipped: boolean }
  | { type: "file-absent"; modelId: string; path: string }
  | { type: "retry"; modelId: string; path: string; attempt: number; error: string }
  | { type: "verified"; modelId: string; device: string }
  | { type: "failed"; modelId: string; dtype: ModelDtype; error: string };

export interface PullOptions {
  targets: readonly PullTarget[];
  modelsDir: string;
  remoteHost: string;
  revision?: string;
  /** Hugging Face access token, sent to huggingface.co only (gated models). */
  token?: string;
  logger: Logger;
  onEvent?: (event: PullEvent) => void;
  /** Loads a pulled model once to prove it works; omitted = no check. */
  verify?: (target: PullTarget) => Promise<{ device: string }>;
  /** Test seam (default global fetch). */
  fetch?: typeof globalThis.fetch;
  /** Attempts per file before giving up (default 5). */
  maxAttempts?: number;
  /** Pause before retry n (default 1 s × n); tests pass `() => Promise.resolve()`. */
  backoff?: (attempt: number) => Promise<void>;
  signal?: AbortSignal;
}

export interface PulledFile {
  path: string;
  bytes: number;
  skipped: boolean;
}

export interface PullFailure {
  modelId: string;
  dtype: ModelDtype;
  /** The error's message (a missing file, a refused download, a load that failed). */
  error: string;
  cause: unknown;
}

export interface PullReport {
  models: { modelId: string; files: PulledFile[]; verifiedDevice?: string }[];
  /** Targets that could not be pulled or did not load; the others were pulled all the same. */
  failed: PullFailure[];
}

/**
 * Pulls every target in order. A target that fails (a file the hub lacks or refuses, a load
 * check that fails) is reported in `failed` and the next one is pulled; only cancellation
 * stops the whole pull.
 */
export async function pullModels(options: PullOptions): Promise<PullReport> {
  const report: PullReport = { models: [], failed: [] };
  for (const target of options.targets) {
    try {
      const files = await pullModel(target, options);
      const entry: PullReport["models"][number] = { modelId: target.modelId, files };
      if (options.verify) {
        const { device } = await options.verify(target);
        entry.verifiedDevice = device;
        options.onEvent?.({ type: "verified", modelId: target.modelId, device });
      }
      report.models.push(entry);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      const { modelId, dtype } = target;
      const message = describe(error);
      options.logger.error({ modelId, dtype, err: error }, "model pull failed");
      options.onEvent?.({ type: "failed", modelId, dtype, error: message });
      report.failed.push({ modelId, dtype, error: message, cause: error });
    }
  }
  return report;
}

async function pullModel(target: PullTarget, options: PullOptions): Promise<PulledFile[]> {
  const modelDir = join(options.modelsDir, target.modelId);
  const pulled: PulledFile[] = [];
  // config.json decides the external-data files, so it comes first.
  const config = await pullFile(target, "config.json", true, modelDir, options);
  if (config) pulled.push(config);
  const hints = JSON.parse(
    await readFile(join(modelDir, "config.json"), "utf8"),
  ) as ModelConfigHints;
  const files = modelFiles(target.pipelineTask, target.dtype, hints).filter(
    (f) => f.path !== "config.json",
  );
  for (const file of files) {
    const result = await pullFile(target, file.path, file.required, modelDir, options);
    if (result) pulled.push(result);
  }
  options.logger.info({ modelId: target.modelId, files: pulled.length }, "model pulled");
  return pulled;
}

/** Downloads one file unless already complete; `undefined` when an optional file is absent. */
async function pullFile(
  target: PullTarget,
  path: string,
  required: boolean,
  modelDir: string,
  options: PullOptions,
): Promise<PulledFile | undefined> {
  const { modelId } = target;
  const destination = join(modelDir, path);
  const existing = await fileSize(destination);
  if (existing !== undefined) {
    options.onEvent?.({ type: "file-done", modelId, path, bytes: existing, skipped: true });
    return { path, bytes: existing, skipped: true };
  }
  await mkdir(dirname(destination), { recursive: true });
  const url = hubFileUrl(options.remoteHost, modelId, path, options.revision);
  const maxAttempts = options.maxAttempts ?? 5;
  const backoff =
    options.backoff ?? ((attempt) => new Promise<void>((r) => setTimeout(r, 1000 * attempt)));
  for (let attempt = 1; ; attempt++) {
    try {
      const outcome = await downloadOnce(url, `${destination}.part`, { modelId, path }, options);
      if (outcome === "absent") {
        if (required) {
          throw new ModelError(
            "model.missing",
            `${modelId} has no ${path} on ${options.remoteHost}`,
            {
              model: modelId,
              file: path,
            },
          );
        }
        options.onEvent?.({ type: "file-absent", modelId, path });
        return undefined;
      }
      await rename(`${destination}.part`, destination);
      options.onEvent?.({ type: "file-done", modelId, path, bytes: outcome.bytes, skipped: false });
      return { path, bytes: outcome.bytes, skipped: false };
    } catch (error) {
      if (error instanceof ModelError || options.signal?.aborted || attempt >= maxAttempts) {
        throw error instanceof ModelError
          ? error
          : new ModelError(
              "model.missing",
              `could not download ${url}: ${describe(error)}`,
              { model: modelId, file: path },
              {
                cause: error,
              },
            );
      }
      const message = describe(error);
      options.logger.warn({ url, attempt, err: error }, "download failed, retrying");
      options.onEvent?.({ type: "retry", modelId, path, attempt, error: message });
      await backoff(attempt);
    }
  }
}

/** Error statuses that retrying will not fix. */
const FINAL_STATUSES = new Set([400, 401, 403]);

/** One HTTP attempt, appending to `partPath` from where it stopped. */
async function downloadOnce(
  url: string,
  partPath: string,
  file: { modelId: string; path: string },
  options: PullOptions,
): Promise<{ bytes: number } | "absent"> {
  const fetchFn = options.fetch ?? globalThis.fetch;
  const offset = (await fileSize(partPath)) ?? 0;
  const headers: Record<string, string> = offset > 0 ? { Range: `bytes=${offset}-` } : {};
  if (options.token && url.startsWith("https://huggingface.co/"))
    headers.Authorization = `Bearer ${options.token}`;
  const init: RequestInit = { headers, redirect: "follow" };
  if (options.signal) init.signal = options.signal;
  const response = await fetchFn(url, init);

  if (response.status === 404) return "absent";
  if (response.status === 416 && offset > 0) {
    // The part already holds the whole file (the previous attempt died before the rename).
    return { bytes: offset };
  }
  if (FINAL_STATUSES.has(response.status)) {
    throw new ModelError("model.missing", `hub refused ${url} (HTTP ${response.status})`, {
      model: file.modelId,
    });
  }
  if (response.status !== 200 && response.status !== 206)
    throw new Error(`HTTP ${response.status} for ${url}`);
  if (!response.body) throw new Error(`empty body for ${url}`);

  // A 200 to a Range request means the server sent the whole file: start over.
  const start = response.status === 206 ? offset : 0;
  const totalBytes = totalSize(response, start);
  options.onEvent?.({ type: "file-start", ...file, resumeFrom: start, totalBytes });
  const out = createWriteStream(partPath, { flags: start > 0 ? "a" : "w" });
  let bytes = start;
  try {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", r));
      bytes += chunk.byteLength;
      options.onEvent?.({ type: "file-progress", ...file, bytes, totalBytes });
    }
  } finally {
    out.end();
    await finished(out);
  }
  if (totalBytes !== undefined && bytes !== totalBytes) {
    throw new Error(`short read for ${url}: ${bytes} of ${totalBytes} bytes`);
  }
  return { bytes };
}

function totalSize(response: Response, start: number): number | undefined {
  const range = response.headers.get("content-range");
  const fromRange = range ? /\/(\d+)\s*$/.exec(range)?.[1] : undefined;
  if (fromRange) return Number(fromRange);
  const length = response.headers.get("content-length");
  return length ? start + Number(length) : undefined;
}

/** An error's message with its cause's (fetch hides the reason in `cause`). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

/**
 * The default post-pull check: builds the model's pipeline (CUDA falling back to CPU as at
 * runtime) and disposes it. Needs `configureRuntime` to point at the same models folder.
 */
export function verifyByLoading(
  logger: Logger,
  pipelineFactory?: PipelineFactory,
): (target: PullTarget) => Promise<{ device: string }> {
  return async (target) => {
    const created = await createPipeline({
      task: target.pipelineTask,
      modelId: target.modelId,
      dtype: target.dtype,
      device: target.device,
      logger,
      pipelineFactory,
    });
    await created.pipeline.dispose();
    return { device: created.device };
  };
}
