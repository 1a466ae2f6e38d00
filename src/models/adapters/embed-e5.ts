/**
 * Text embeddings (multilingual E5) on transformers.js's feature-extraction pipeline: the last
 * hidden state mean-pooled over the real tokens and L2-normalized, so a dot product is the
 * cosine. E5 was trained with "query: " before questions and "passage: " before the texts
 * searched; without them its vectors rank noticeably worse (see its model card).
 */
import type { Logger } from "pino";
import { cancelledError } from "../../shared/errors.js";
import type { RuntimeSettings } from "../runtime/environment.js";
import type { DisposablePipeline, PipelineFactory } from "../runtime/pipeline.js";
import {
  createTransformersModel,
  type TransformersModel,
  type TransformersModelSpecWithFallback,
} from "../runtime/transformers-model.js";

/** Texts of one role to embed together (one model job: a question, or a batch of passages). */
export interface EmbedRequest {
  texts: readonly string[];
  role: "query" | "passage";
}

/** One unit vector per text, in order. */
export interface EmbedResult {
  vectors: Float32Array[];
}

/** The part of transformers.js's feature-extraction pipeline this adapter uses. */
export interface FeatureExtractionPipeline extends DisposablePipeline {
  (
    texts: string[],
    options: { pooling: "mean"; normalize: boolean },
  ): Promise<{ dims: readonly number[]; data: ArrayLike<number> }>;
}

/** The prefix E5 expects before each role's text. */
export const E5_PREFIX = { query: "query: ", passage: "passage: " } as const;

export async function embedWithE5(
  pipe: FeatureExtractionPipeline,
  request: EmbedRequest,
  signal: AbortSignal,
): Promise<EmbedResult> {
  if (signal.aborted) throw cancelledError(signal.reason);
  if (request.texts.length === 0) return { vectors: [] };
  const prefix = E5_PREFIX[request.role];
  const output = await pipe(
    request.texts.map((text) => prefix + text),
    { pooling: "mean", normalize: true },
  );
  const width = output.dims.at(-1) ?? 0;
  const data = Float32Array.from(output.data);
  return {
    vectors: request.texts.map((_, i) => data.slice(i * width, (i + 1) * width)),
  };
}

export interface E5EmbedderOptions {
  /** The catalogue entry; its `fallback` variant (if any) becomes the model's fallback. */
  spec: TransformersModelSpecWithFallback;
  runtime: RuntimeSettings;
  logger: Logger;
  /** Test seam: how pipelines are built (default: transformers.js). */
  pipelineFactory?: PipelineFactory;
}

/** The embedding model as a model the manager loads and unloads. */
export function createE5Embedder(
  options: E5EmbedderOptions,
): TransformersModel<EmbedRequest, EmbedResult, FeatureExtractionPipeline> {
  return createTransformersModel<EmbedRequest, EmbedResult, FeatureExtractionPipeline>({
    id: "embed",
    task: "embed",
    spec: options.spec,
    runtime: options.runtime,
    logger: options.logger,
    ...(options.pipelineFactory ? { pipelineFactory: options.pipelineFactory } : {}),
    run: embedWithE5,
  });
}
