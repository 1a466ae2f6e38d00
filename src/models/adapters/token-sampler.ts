/**
 * Choosing the next token with temperature, top-k and top-p, for the decoding loop (decode.ts).
 * transformers.js 4.3.1 samples by dividing the whole vocabulary's logits by the temperature
 * (248,320 of them per token for Qwen3.5: 6% of the main thread with bench:load's light
 * users) and ignores `top_p` altogether. Here the logits are read once to find the top k,
 * and the token is drawn from them with the temperature and the nucleus applied.
 */

/** A number in [0, 1): `Math.random` outside tests. */
export type RandomSource = () => number;

export interface SamplingSettings {
  /** Above 0; 1 leaves the model's distribution as it is. */
  temperature: number;
  /** The nucleus: the smallest set of likeliest tokens whose probabilities reach it (0–1]. */
  topP: number;
  /** How many of the likeliest tokens are candidates at all (at least 1). */
  topK: number;
}

/** transformers.js's own default when a model's generation config sets no `top_k`. */
export const DEFAULT_TOP_K = 50;

/**
 * Indices of the `k` largest values, largest first (NaN never among them); one pass over
 * `values`. Past the first k, four values at a time are compared with the smallest kept, as
 * nearly all of a vocabulary's logits are below it: 0.36–0.66 ms instead of 0.86–1.56 ms
 * (k of 1, 20 and 50) for 248,320 logits on this 2-core machine, once per generated token.
 */
export function topIndices(values: Float32Array, k: number): number[] {
  const count = Math.min(Math.max(1, Math.floor(k)), values.length);
  // Kept sorted, largest first.
  const top = new Int32Array(count);
  const kept = new Float32Array(count);
  let filled = 0;
  const keep = (index: number, value: number) => {
    let at = filled < count ? filled++ : count - 1;
    while (at > 0 && kept[at - 1]! < value) {
      top[at] = top[at - 1]!;
      kept[at] = kept[at - 1]!;
      at -= 1;
    }
    top[at] = index;
    kept[at] = value;
  };
  const length = values.length;
  let index = 0;
  for (; index < length && filled < count; index++) {
    if (!Number.isNaN(values[index]!)) keep(index, values[index]!);
  }
  // A value enters only when it beats the smallest kept.
  let floor = kept[count - 1]!;
  const enter = (at: number) => {
    if (values[at]! > floor) {
      keep(at, values[at]!);
      floor = kept[count - 1]!;
    }
  };
  const quads = index + ((length - index) & ~3);
  for (; index < quads; index += 4) {
    if (
      values[index]! > floor ||
      values[index + 1]! > floor ||
      values[index + 2]! > floor ||
      values[index + 3]! > floor
    ) {
      for (let at = index; at < index + 4; at++) enter(at);
    }
  }
  for (; index < length; index++) enter(index);
  return Array.from(top.subarray(0, filled));
}

/** Draws one token from `logits` (one row of the vocabulary). */
export function drawToken(
  logits: Float32Array,
  settings: SamplingSettings,
  random: RandomSource,
): number {
  const candidates = topIndices(logits, settings.topK);
  const highest = logits[candidates[0]!]!;
  if (!Number.isFinite(highest)) return candidates[0]!;
  const weights = candidates.map((index) =>
    Math.exp((logits[index]! - highest) / settings.temperature),
  );
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  // The nucleus: candidates in order until their share reaches topP (always at least one).
  let kept = 0;
  let keptWeight = 0;
  while (kept < weights.length && (kept === 0 || keptWeight / total < settings.topP)) {
    keptWeight += weights[kept]!;
    kept += 1;
  }
  let target = random() * keptWeight;
  for (let at = 0; at < kept - 1; at++) {
    target -= weights[at]!;
    if (target < 0) return candidates[at]!;
  }
  return candidates[kept - 1]!;
}
