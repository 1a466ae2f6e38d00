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

/** A float32's bits read as an int32: for two positive floats, ordered as the floats are. */
const scratchFloat = new Float32Array(1);
const scratchBits = new Int32Array(scratchFloat.buffer);
function bitsOf(value: number): number {
  scratchFloat[0] = value;
  return scratchBits[0]!;
}

/**
 * Indices of the `k` largest values, largest first (NaN never among them); one pass over
 * `values`, once per generated token. Past the first k, a value enters only when it beats the
 * smallest kept, and nearly all of a vocabulary's logits don't: the pass compares the values'
 * bits as integers, eight at a time, which V8 does without converting each float. For 248,320
 * logits on this 2-core machine (k of 1, 20 and 50; rows like a real model's, all negative, and
 * the fixture's): 0.24–0.42 ms, against 0.37–0.56 ms comparing them as floats four at a time.
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
  let floor = kept[count - 1]!;
  let floorBits = bitsOf(floor);
  const enter = (at: number) => {
    if (values[at]! > floor) {
      keep(at, values[at]!);
      floor = kept[count - 1]!;
      floorBits = bitsOf(floor);
    }
  };
  const bits = new Int32Array(values.buffer, values.byteOffset, length);
  // Above a floor with positive bits: larger bits. Above one with negative bits: positive
  // bits, or negative bits below the floor's (a negative float's bits grow with its magnitude).
  // Either test may also let through a NaN, or +0 against -0: `enter` compares the floats.
  const eights = index + ((length - index) & ~7);
  while (index < eights) {
    for (; index < eights && floorBits < 0; index += 8) {
      if (
        bits[index]! >= 0 ||
        bits[index]! < floorBits ||
        bits[index + 1]! >= 0 ||
        bits[index + 1]! < floorBits ||
        bits[index + 2]! >= 0 ||
        bits[index + 2]! < floorBits ||
        bits[index + 3]! >= 0 ||
        bits[index + 3]! < floorBits ||
        bits[index + 4]! >= 0 ||
        bits[index + 4]! < floorBits ||
        bits[index + 5]! >= 0 ||
        bits[index + 5]! < floorBits ||
        bits[index + 6]! >= 0 ||
        bits[index + 6]! < floorBits ||
        bits[index + 7]! >= 0 ||
        bits[index + 7]! < floorBits
      ) {
        for (let at = index; at < index + 8; at++) enter(at);
      }
    }
    for (; index < eights && floorBits >= 0; index += 8) {
      if (
        bits[index]! > floorBits ||
        bits[index + 1]! > floorBits ||
        bits[index + 2]! > floorBits ||
        bits[index + 3]! > floorBits ||
        bits[index + 4]! > floorBits ||
        bits[index + 5]! > floorBits ||
        bits[index + 6]! > floorBits ||
        bits[index + 7]! > floorBits
      ) {
        for (let at = index; at < index + 8; at++) enter(at);
      }
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
