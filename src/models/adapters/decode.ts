/**
 * Token-by-token decoding for the chat and vision adapters, in place of transformers.js's
 * `generate()`. Each step calls the model's own methods as `generate()` does (its inputs for
 * the step, its forward pass, its cache update), so the model's cache handling (Qwen3.5's
 * attention and recurrent states, the vision model's position ids and pictures) stays
 * transformers.js's; what differs is how a token is chosen. `generate()` copies the last
 * position's logits (248,320 floats for Qwen3.5) and takes its token with ONNX Runtime's TopK
 * over the copy: two passes over the vocabulary per token, beside the one a sampler needs.
 * Here the token is chosen from the model's output where it lies, in one pass.
 * An aborted signal stops decoding at the next token, so a job settles promptly and never
 * leaves a decode running behind it.
 */
import {
  Tensor,
  type LogitsProcessorList,
  type PreTrainedModel,
  type StoppingCriteriaList,
  type TextStreamer,
} from "@huggingface/transformers";
import { cancelledError } from "../../shared/errors.js";
import {
  drawToken,
  topIndices,
  type RandomSource,
  type SamplingSettings,
} from "./token-sampler.js";

export interface DecodeRequest {
  /** The model's inputs: `input_ids` and `attention_mask`, and pictures for the vision model. */
  inputs: Record<string, unknown>;
  maxNewTokens: number;
  /** transformers.js's repetition penalty (1 or unset: none). */
  repetitionPenalty?: number;
  /** Sampling; unset: the likeliest token every time (greedy decoding). */
  sampling?: SamplingSettings;
  /** Draws for sampling (default `Math.random`). */
  random?: RandomSource;
  /** Receives the prompt, then each token, as `generate()`'s streamer does. */
  streamer?: TextStreamer;
  signal: AbortSignal;
}

type ModelInputs = Record<string, unknown> & { past_key_values?: { dispose(): Promise<void> } };

/** The model methods `generate()` runs for a decoder-only model (transformers.js 4.3.1). */
interface DecodingModel {
  _prepare_generation_config(config: null, kwargs: object): GenerationConfig;
  _prepare_model_inputs(args: { inputs: null; model_kwargs: object }): {
    model_inputs: ModelInputs;
  };
  _get_logits_processor(
    config: GenerationConfig,
    inputLength: number,
    processors: null,
  ): LogitsProcessorList;
  _get_stopping_criteria(config: GenerationConfig): StoppingCriteriaList;
  prepare_inputs_for_generation(
    ids: bigint[][],
    inputs: ModelInputs,
    config: GenerationConfig,
  ): ModelInputs;
  forward(inputs: ModelInputs): Promise<Record<string, Tensor>>;
  _update_model_kwargs_for_generation(args: {
    generated_input_ids: bigint[][];
    outputs: Record<string, Tensor>;
    model_inputs: ModelInputs;
    is_encoder_decoder: boolean;
  }): ModelInputs;
}

interface GenerationConfig {
  max_length: number | null;
}

/**
 * Decodes one sequence (a batch of one) with a decoder-only model until the end of the turn or
 * `maxNewTokens`; returns the tokens generated.
 */
export async function decode(model: PreTrainedModel, request: DecodeRequest): Promise<bigint[]> {
  const { signal, streamer, sampling } = request;
  const random = request.random ?? Math.random;
  if (signal.aborted) throw cancelledError(signal.reason);
  const decoder = model as unknown as DecodingModel;
  // do_sample off: transformers.js's own warpers (temperature over the whole vocabulary) stay
  // out; the processors left are the model's rules (repetition penalty, suppressed tokens...).
  const config = decoder._prepare_generation_config(null, {
    max_new_tokens: request.maxNewTokens,
    repetition_penalty: request.repetitionPenalty ?? 1,
    do_sample: false,
  });
  let { model_inputs: inputs } = decoder._prepare_model_inputs({
    inputs: null,
    model_kwargs: { ...request.inputs },
  });
  const inputIds = inputs.input_ids as Tensor;
  const promptLength = Number(inputIds.dims.at(-1));
  config.max_length = promptLength + request.maxNewTokens;
  const processors = decoder._get_logits_processor(config, promptLength, null);
  const stopping = decoder._get_stopping_criteria(config);
  const ids = inputIds.tolist() as bigint[][];
  streamer?.put(ids);

  const generated: bigint[] = [];
  let outputs: Record<string, Tensor> = {};
  try {
    for (let stop = false; !stop;) {
      inputs = decoder.prepare_inputs_for_generation(ids, inputs, config);
      outputs = await decoder.forward(inputs);
      if (signal.aborted) throw cancelledError(signal.reason);
      const logits = processors._call(ids, lastLogits(outputs.logits!)) as Tensor;
      const token = BigInt(chooseToken(logits, sampling, random));
      ids[0]!.push(token);
      generated.push(token);
      streamer?.put([[token]]);
      stop = stopping._call(ids, null)[0] === true;
      inputs = decoder._update_model_kwargs_for_generation({
        generated_input_ids: [[token]],
        outputs,
        model_inputs: inputs,
        is_encoder_decoder: false,
      });
    }
    streamer?.end();
  } finally {
    await release(outputs, inputs);
  }
  return generated;
}

/** The last position's logits as a [1, vocabulary] tensor over the model's output, not a copy. */
function lastLogits(logits: Tensor): Tensor {
  // A model with float16 logits: converted, as generate() does.
  const data = (logits.type === "float32" ? logits : logits.to("float32")).data as Float32Array;
  const vocabulary = Number(logits.dims.at(-1));
  return new Tensor("float32", data.subarray(data.length - vocabulary), [1, vocabulary]);
}

function chooseToken(
  logits: Tensor,
  sampling: SamplingSettings | undefined,
  random: RandomSource,
): number {
  const scores = logits.data as Float32Array;
  return sampling ? drawToken(scores, sampling, random) : topIndices(scores, 1)[0]!;
}

/** Frees what generate() frees: GPU outputs the cache doesn't hold, then the cache. */
async function release(outputs: Record<string, Tensor>, inputs: ModelInputs): Promise<void> {
  const cache = inputs.past_key_values as
    (Record<string, unknown> & ModelInputs["past_key_values"]) | undefined;
  const cached = new Set(cache ? Object.values(cache) : []);
  for (const tensor of Object.values(outputs)) {
    if (tensor.location === "gpu-buffer" && !cached.has(tensor)) tensor.dispose();
  }
  await cache?.dispose();
}
