/**
 * MMS-TTS voices (VITS) on transformers.js: one model per language, text in, mono PCM out
 * (16 kHz for MMS). Text preparation (numbers, sentences, script runs) happens in the
 * speech service; this adapter speaks one short piece at a time.
 */
import type { Logger } from "pino";
import type { Pcm } from "../../media/audio-pcm.js";
import { cancelledError } from "../../shared/errors.js";
import type { RuntimeSettings } from "../runtime/environment.js";
import type { DisposablePipeline, PipelineFactory } from "../runtime/pipeline.js";
import {
  createTransformersModel,
  type TransformersModel,
  type TransformersModelSpecWithFallback,
} from "../runtime/transformers-model.js";

/** The part of transformers.js's text-to-speech pipeline this adapter uses. */
export interface VitsPipeline extends DisposablePipeline {
  (text: string): Promise<{ data: Float32Array; sampling_rate: number }>;
}

/**
 * Speaks `text` with a loaded VITS pipeline. MMS vocabularies are lower-case only and
 * drop characters they don't know, so the text is lower-cased first.
 */
export async function speakWithVits(
  pipe: VitsPipeline,
  text: string,
  signal: AbortSignal,
): Promise<Pcm> {
  if (signal.aborted) throw cancelledError(signal.reason);
  const output = await pipe(text.toLowerCase());
  return { samples: output.data, sampleRate: output.sampling_rate };
}

export interface VitsTtsOptions {
  /** Manager key, e.g. "tts-ru". */
  id: string;
  /** The catalogue entry; its `fallback` variant (if any) becomes the model's fallback. */
  spec: TransformersModelSpecWithFallback;
  runtime: RuntimeSettings;
  logger: Logger;
  /** Test seam: how pipelines are built (default: transformers.js). */
  pipelineFactory?: PipelineFactory;
}

/** One language's neural voice as a model the manager loads and unloads. */
export function createVitsTts(
  options: VitsTtsOptions,
): TransformersModel<string, Pcm, VitsPipeline> {
  return createTransformersModel<string, Pcm, VitsPipeline>({
    id: options.id,
    task: "tts",
    spec: options.spec,
    runtime: options.runtime,
    logger: options.logger,
    ...(options.pipelineFactory ? { pipelineFactory: options.pipelineFactory } : {}),
    run: speakWithVits,
  });
}
