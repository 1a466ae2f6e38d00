/**
 * Creating a transformers.js pipeline on the device a model asks for. transformers.js has no
 * fallback: with device "cuda" and no CUDA provider it throws ("Failed to load shared library"),
 * so a CUDA failure is retried once on CPU and reported. The library call sits behind
 * `PipelineFactory` so that path is testable without a GPU.
 */
import {
  AutoModelForImageTextToText,
  AutoProcessor,
  pipeline,
  type PreTrainedModel,
  type Processor,
} from "@huggingface/transformers";
import type { Logger } from "pino";
import type { ComputeDevice } from "../contract.js";
import type { ModelDtype, PipelineTask } from "./model-files.js";
import type { SessionThreads } from "./threads.js";

/** What every transformers.js pipeline has; per-task code narrows it. */
export interface DisposablePipeline {
  dispose(): Promise<void>;
}

export interface PipelineRequest {
  task: PipelineTask;
  modelId: string;
  dtype: ModelDtype;
  device: ComputeDevice;
  /** ONNX Runtime session options (thread counts); omitted = ONNX Runtime's defaults. */
  sessionOptions?: SessionThreads;
}

/** Builds one pipeline; the default calls transformers.js's `pipeline()`. */
export type PipelineFactory = (request: PipelineRequest) => Promise<DisposablePipeline>;

/**
 * A vision-language model as the runtime loads it: transformers.js 4.3.1 has no
 * `image-text-to-text` pipeline, so its processor (image processor + tokenizer) and its
 * model class (`Qwen3_5ForConditionalGeneration` via the auto class: embed_tokens,
 * vision_encoder, decoder_model_merged) are loaded side by side.
 */
export interface ImageTextToTextPipeline extends DisposablePipeline {
  processor: Processor;
  model: PreTrainedModel;
}

export const transformersPipelineFactory: PipelineFactory = async ({
  task,
  modelId,
  dtype,
  device,
  sessionOptions,
}) => {
  const options = {
    device,
    dtype,
    ...(sessionOptions ? { session_options: { ...sessionOptions } } : {}),
  };
  if (task !== "image-text-to-text") {
    return (await pipeline(task, modelId, options)) as DisposablePipeline;
  }
  const [processor, model] = await Promise.all([
    AutoProcessor.from_pretrained(modelId),
    AutoModelForImageTextToText.from_pretrained(modelId, options),
  ]);
  const loaded: ImageTextToTextPipeline = {
    processor,
    model,
    dispose: async () => {
      await model.dispose();
    },
  };
  return loaded;
};

export interface CreatePipelineOptions extends PipelineRequest {
  /** The dtype a CUDA failure is retried with on CPU; see {@link cpuRetryDtype}. */
  cpuDtype?: ModelDtype;
  logger: Logger;
  pipelineFactory?: PipelineFactory;
}

export interface CreatedPipeline<P extends DisposablePipeline = DisposablePipeline> {
  pipeline: P;
  /** Where it really runs. */
  device: ComputeDevice;
  /** The precision it really runs in (the CPU retry may change it). */
  dtype: ModelDtype;
  /** Set when it runs elsewhere than asked, e.g. "cuda failed (...), fell back to cpu q8". */
  note?: string;
}

/** Precisions that run well on CPU; fp16 and q4f16 are slow there or fail at session start. */
const CPU_DTYPES: ReadonlySet<ModelDtype> = new Set(["fp32", "q8"]);

/**
 * The dtype a CUDA variant is retried with on CPU: the catalogue's `cpuDtype`, else its own
 * dtype when that already suits the CPU, else q8.
 */
export function cpuRetryDtype(dtype: ModelDtype, cpuDtype?: ModelDtype): ModelDtype {
  return cpuDtype ?? (CPU_DTYPES.has(dtype) ? dtype : "q8");
}

/**
 * Creates the pipeline. When CUDA fails (no provider, no CUDA runtime, a session that can't
 * start, absent fp16 files), it is retried once on CPU in a CPU dtype; when that fails too,
 * the CPU error is thrown and the manager moves on to the next variant.
 */
export async function createPipeline<P extends DisposablePipeline = DisposablePipeline>(
  options: CreatePipelineOptions,
): Promise<CreatedPipeline<P>> {
  const { logger, pipelineFactory = transformersPipelineFactory, cpuDtype, ...request } = options;
  if (request.device === "cpu") {
    return { pipeline: (await pipelineFactory(request)) as P, device: "cpu", dtype: request.dtype };
  }
  try {
    const pipe = (await pipelineFactory(request)) as P;
    return { pipeline: pipe, device: request.device, dtype: request.dtype };
  } catch (error) {
    const dtype = cpuRetryDtype(request.dtype, cpuDtype);
    // The same files are missing on CPU unless the retry reads other ones.
    if (isMissingFileError(error) && dtype === request.dtype) throw error;
    const reason = errorLine(error);
    logger.warn(
      { modelId: request.modelId, err: error, cpuDtype: dtype },
      "CUDA load failed, retrying on CPU",
    );
    const pipe = (await pipelineFactory({ ...request, device: "cpu", dtype })) as P;
    return {
      pipeline: pipe,
      device: "cpu",
      dtype,
      note: `cuda failed (${reason}), fell back to cpu ${dtype}`,
    };
  }
}

/** The first line of an error's message. */
export function errorLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}

/** transformers.js's wording when a model file is neither local nor downloadable. */
export function isMissingFileError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    error.name === "ModelFileNotFoundError" ||
    /was not found locally|Could not locate file|allowRemoteModels=false/.test(error.message)
  );
}
