/**
 * Creating a transformers.js pipeline on the device a model asks for. transformers.js has no
 * fallback: with device "cuda" and no CUDA provider it throws ("Failed to load shared library"),
 * so a CUDA failure is retried once on CPU and reported. The library call sits behind
 * `PipelineFactory` so that path is testable without a GPU.
 */
import { pipeline } from "@huggingface/transformers";
import type { Logger } from "pino";
import type { ComputeDevice } from "../contract.js";
import type { ModelDtype, PipelineTask } from "./model-files.js";

/** What every transformers.js pipeline has; per-task code narrows it. */
export interface DisposablePipeline {
  dispose(): Promise<void>;
}

export interface PipelineRequest {
  task: PipelineTask;
  modelId: string;
  dtype: ModelDtype;
  device: ComputeDevice;
}

/** Builds one pipeline; the default calls transformers.js's `pipeline()`. */
export type PipelineFactory = (request: PipelineRequest) => Promise<DisposablePipeline>;

export const transformersPipelineFactory: PipelineFactory = ({ task, modelId, dtype, device }) =>
  pipeline(task, modelId, { device, dtype }) as Promise<DisposablePipeline>;

export interface CreatePipelineOptions extends PipelineRequest {
  logger: Logger;
  pipelineFactory?: PipelineFactory;
}

export interface CreatedPipeline<P extends DisposablePipeline = DisposablePipeline> {
  pipeline: P;
  /** Where it really runs. */
  device: ComputeDevice;
  /** Set when it runs elsewhere than asked, e.g. "cuda failed (...), fell back to cpu". */
  note?: string;
}

/** Creates the pipeline, falling back from CUDA to CPU when CUDA fails to load. */
export async function createPipeline<P extends DisposablePipeline = DisposablePipeline>(
  options: CreatePipelineOptions,
): Promise<CreatedPipeline<P>> {
  const { logger, pipelineFactory = transformersPipelineFactory, ...request } = options;
  if (request.device === "cpu") {
    return { pipeline: (await pipelineFactory(request)) as P, device: "cpu" };
  }
  try {
    return { pipeline: (await pipelineFactory(request)) as P, device: request.device };
  } catch (error) {
    if (isMissingFileError(error)) throw error; // the same files are missing on CPU
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    logger.warn({ modelId: request.modelId, err: error }, "CUDA load failed, retrying on CPU");
    const pipe = (await pipelineFactory({ ...request, device: "cpu" })) as P;
    return { pipeline: pipe, device: "cpu", note: `cuda failed (${reason}), fell back to cpu` };
  }
}

/** transformers.js's wording when a model file is neither local nor downloadable. */
export function isMissingFileError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    error.name === "ModelFileNotFoundError" ||
    /was not found locally|Could not locate file|allowRemoteModels=false/.test(error.message)
  );
}
