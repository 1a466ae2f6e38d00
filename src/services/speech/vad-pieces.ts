/**
 * The VAD over a recording, in pieces of about 30 s. Each piece is a job of its own: it takes
 * its turn in the VAD's line and on the thread the in-process models share, and goes on from
 * where the previous piece left the model (its recurrent state and last samples), so the
 * probabilities are those of one pass. A 3-minute note is then six turns of ~0.1 s of CPU
 * rather than one of ~0.7 s (several under load) that every question behind it waits out.
 */
import { concatFloats } from "../../media/audio-pcm.js";
import { VAD_FRAME_SAMPLES } from "../../models/adapters/vad-frames.js";
import type { VadInput, VadResult } from "../../models/adapters/vad-silero.js";
import { pieceClass, type ModelHandle, type RunOptions } from "../../models/contract.js";

/** Samples per piece: 960 whole frames, 30.72 s at 16 kHz. */
export const VAD_PIECE_SAMPLES = 960 * VAD_FRAME_SAMPLES;

/** Speech probabilities of every frame of `samples`; more than one piece is batch work. */
export async function vadInPieces(
  vad: ModelHandle<VadInput, VadResult>,
  samples: Float32Array,
  options: RunOptions,
): Promise<VadResult> {
  const pieces = Math.max(1, Math.ceil(samples.length / VAD_PIECE_SAMPLES));
  const jobs = { ...options, workClass: pieceClass(pieces, options.workClass) };
  const probs: Float32Array[] = [];
  let result: VadResult | undefined;
  for (let piece = 0; piece < pieces; piece++) {
    const start = piece * VAD_PIECE_SAMPLES;
    const input: VadInput = {
      samples: samples.subarray(start, start + VAD_PIECE_SAMPLES),
      ...(result ? { carry: result.carry } : {}),
    };
    result = await vad.run(input, jobs);
    probs.push(result.probs);
  }
  return { ...result!, probs: concatFloats(probs) };
}
