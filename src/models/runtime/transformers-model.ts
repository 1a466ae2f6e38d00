/**
 * The base every transformers.js-backed model adapter is built from: it implements
 * `ManagedModel` on top of `createPipeline`, so a per-task adapter (ASR, chat, TTS) only
 * supplies how to run one input through the pipeline:
 *
 *   const asr = createTransformersModel<Float32Array, string, AsrPipe>({
 *     id: "asr", task: "asr", spec: profile.models.asr, runtime, logger,
 *     run: async (pipe, audio) => (await pipe(audio)).text,
 *   });
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import type { ComputeDevice, LoadReport, ManagedModel, ModelTask } from "../contract.js";
import { cancelledError, ModelError } from "../../shared/errors.js";
import type { CheckableModel, RequiredFile } from "./check.js";
import type { RuntimeSettings } from "./environment.js";
import { gpuMemoryOfProcess } from "./gpu-memory.js";
import {
  modelFiles,
  onnxWeightBytes,
  type ModelConfigHints,
  type ModelDtype,
  type PipelineTask,
} from "./model-files.js";
import {
  createPipeline,
  isMissingFileError,
  type CreatedPipeline,
  type DisposablePipeline,
  type PipelineFactory,
} from "./pipeline.js";

/**
 * Resident memory per byte of ONNX weights once a session is built: ONNX Runtime keeps the
 * weights (prepacked, sometimes twice briefly), plus its arena, the tokenizer and buffers.
 * 1.3 is a deliberately cautious figure for CPU loads of the catalogue's models; the manager
 * replaces it with the measured value after the first load.
 */
export const MEMORY_OVERHEAD_FACTOR = 1.3;

/**
 * Memory a loaded pipeline takes whatever its weights: the ONNX Runtime session, the
 * tokenizer and configs (measured ~16 MB for the few-KB fixtures). It matters for small
 * models, whose estimate would otherwise sit far below what a load measures.
 */
export const SESSION_OVERHEAD_BYTES = 32 * 1024 * 1024;

/** The command that fetches the models of a profile; named in "model missing" errors. */
export const PULL_COMMAND = "npm run models:pull";

/** Which model to load and how; the catalogue's per-task entry has this shape. */
export interface TransformersModelSpec {
  modelId: string;
  pipelineTask: PipelineTask;
  dtype: ModelDtype;
  /** Dtype used when this CUDA variant is retried on CPU (default: see `cpuRetryDtype`). */
  cpuDtype?: ModelDtype;
  device: ComputeDevice;
  /** The catalogue's resident-memory figure, used when the files are not on disk yet. */
  memoryBytes: number;
}

export interface TransformersModelOptions<In, Out, P extends DisposablePipeline> {
  /** Manager key, e.g. "asr" or "tts-ru". */
  id: string;
  task: ModelTask;
  spec: TransformersModelSpec;
  runtime: RuntimeSettings;
  logger: Logger;
  /** Runs one input through the loaded pipeline; should stop early when `signal` aborts. */
  run: (pipe: P, input: In, signal: AbortSignal) => Promise<Out>;
  fallback?: ManagedModel<In, Out>;
  /** Test seam: how pipelines are built (default: transformers.js). */
  pipelineFactory?: PipelineFactory;
  /** Test seam: resident set size in bytes (default: `process.memoryUsage.rss`). */
  rss?: () => number;
  /** GPU memory this process uses, in bytes (default: nvidia-smi, see gpu-memory.ts). */
  gpuMemory?: () => Promise<number>;
}

export class TransformersModel<In, Out, P extends DisposablePipeline = DisposablePipeline>
  implements ManagedModel<In, Out>, CheckableModel
{
  readonly id: string;
  readonly task: ModelTask;
  readonly device: ComputeDevice;
  readonly estimatedBytes: number;
  readonly label: string;
  readonly fallback?: ManagedModel<In, Out>;
  readonly spec: TransformersModelSpec;
  private readonly options: TransformersModelOptions<In, Out, P>;
  private pipe: P | undefined;

  constructor(options: TransformersModelOptions<In, Out, P>) {
    this.options = options;
    this.id = options.id;
    this.task = options.task;
    this.spec = options.spec;
    this.device = options.spec.device;
    this.label = `${options.spec.modelId} ${options.spec.dtype} ${options.spec.device}`;
    if (options.fallback) this.fallback = options.fallback;
    this.estimatedBytes = estimateBytes(this.modelDir, options.spec);
  }

  /** Where the model's files live (or will, once pulled). */
  get modelDir(): string {
    return join(this.options.runtime.modelsDir, this.spec.modelId);
  }

  /** The files the dtype needs (external data per its config.json), and which exist. */
  requiredFiles(): RequiredFile[] {
    const { modelDir, spec } = this;
    let config: ModelConfigHints = {};
    try {
      config = JSON.parse(readFileSync(join(modelDir, "config.json"), "utf8")) as ModelConfigHints;
    } catch {
      // absent or unreadable: listed as missing below
    }
    return modelFiles(spec.pipelineTask, spec.dtype, config)
      .filter((file) => file.required)
      .map((file) => ({ path: file.path, present: existsSync(join(modelDir, file.path)) }));
  }

  get loaded(): boolean {
    return this.pipe !== undefined;
  }

  /**
   * Creates the pipeline. `measuredBytes` is what the load added: on CPU the growth of the
   * process's resident set (an approximation: other work in the process and allocator reuse
   * skew it, yet it beats the file-size estimate); on CUDA the growth of this process's GPU
   * memory as nvidia-smi reports it, since GPU memory is not in RSS.
   */
  async load(signal?: AbortSignal): Promise<LoadReport> {
    if (signal?.aborted) throw cancelledError(signal.reason);
    const {
      runtime,
      logger,
      pipelineFactory,
      rss = () => process.memoryUsage.rss(),
    } = this.options;
    const { modelId, pipelineTask, dtype, cpuDtype, device } = this.spec;
    if (!runtime.allowRemoteModels && !existsSync(join(this.modelDir, "config.json"))) {
      throw this.missingError();
    }
    const before = rss();
    const gpuBefore = device === "cuda" ? await this.readGpuMemory() : undefined;
    let created: CreatedPipeline<P>;
    try {
      created = await createPipeline<P>({
        task: pipelineTask,
        modelId,
        dtype,
        ...(cpuDtype ? { cpuDtype } : {}),
        device,
        ...(runtime.threads ? { sessionOptions: runtime.threads } : {}),
        logger,
        pipelineFactory,
      });
    } catch (error) {
      if (isMissingFileError(error)) throw this.missingError(error);
      throw new ModelError(
        "model.load_failed",
        `could not load model ${modelId}: ${String(error)}`,
        { model: modelId },
        { cause: error },
      );
    }
    if (signal?.aborted) {
      await created.pipeline.dispose();
      throw cancelledError(signal.reason);
    }
    this.pipe = created.pipeline;
    const report: LoadReport = { device: created.device, dtype: created.dtype };
    if (created.device === "cpu") report.measuredBytes = Math.max(0, rss() - before);
    else if (gpuBefore !== undefined) {
      const gpuAfter = await this.readGpuMemory();
      if (gpuAfter !== undefined) report.measuredBytes = Math.max(0, gpuAfter - gpuBefore);
    }
    if (created.note) report.note = created.note;
    logger.info({ model: this.id, modelId, dtype: created.dtype, ...report }, "model loaded");
    return report;
  }

  /** This process's GPU memory, or undefined (logged) when it can't be read. */
  private async readGpuMemory(): Promise<number | undefined> {
    const { gpuMemory = () => gpuMemoryOfProcess() } = this.options;
    try {
      return await gpuMemory();
    } catch (error) {
      this.options.logger.warn({ model: this.id, err: error }, "cannot measure GPU memory");
      return undefined;
    }
  }

  async unload(): Promise<void> {
    const pipe = this.pipe;
    this.pipe = undefined;
    await pipe?.dispose();
  }

  async run(input: In, signal: AbortSignal): Promise<Out> {
    if (signal.aborted) throw cancelledError(signal.reason);
    if (!this.pipe)
      throw new ModelError("model.load_failed", `model ${this.id} is not loaded`, {
        model: this.id,
      });
    return this.options.run(this.pipe, input, signal);
  }

  private missingError(cause?: unknown): ModelError {
    const { modelId } = this.spec;
    return new ModelError(
      "model.missing",
      `model ${modelId} is not in ${this.options.runtime.modelsDir} and remote downloads are off; ` +
        `run \`${PULL_COMMAND}\` to download it`,
      { model: modelId, command: PULL_COMMAND },
      { cause },
    );
  }
}

/** ONNX weight bytes on disk × the overhead factor, or the catalogue figure without files. */
export function estimateBytes(modelDir: string, spec: TransformersModelSpec): number {
  const weights = onnxWeightBytes(modelDir, spec.pipelineTask, spec.dtype);
  return weights === undefined
    ? spec.memoryBytes
    : Math.ceil(weights * MEMORY_OVERHEAD_FACTOR) + SESSION_OVERHEAD_BYTES;
}

/** A spec with the smaller variant to fall back to, as the catalogue's entries are. */
export interface TransformersModelSpecWithFallback extends TransformersModelSpec {
  fallback?: TransformersModelSpec;
}

/**
 * Builds a model and, when its spec names one, its fallback variant: the same task and `run`,
 * the smaller spec, and the id `<id>:fallback` (the manager keys measurements by id).
 */
export function createTransformersModel<In, Out, P extends DisposablePipeline = DisposablePipeline>(
  options: Omit<TransformersModelOptions<In, Out, P>, "spec" | "fallback"> & {
    spec: TransformersModelSpecWithFallback;
  },
): TransformersModel<In, Out, P> {
  const { spec, ...rest } = options;
  const fallback = spec.fallback
    ? new TransformersModel<In, Out, P>({
        ...rest,
        id: `${options.id}:fallback`,
        spec: spec.fallback,
      })
    : undefined;
  return new TransformersModel<In, Out, P>({ ...rest, spec, ...(fallback ? { fallback } : {}) });
}
