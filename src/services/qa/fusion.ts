/**
 * Reciprocal rank fusion (Cormack et al., 2009): each ranking gives an item 1 / (k + rank),
 * summed over the rankings. It needs no calibration between BM25's and cosine's scales, and
 * k = 60 (the paper's) keeps one ranking's top hit from outweighing agreement of both.
 */
export const RRF_K = 60;

/** Fuses rankings (best first, any ids) into one, best first, with the fused scores. */
export function reciprocalRankFusion<T>(
  rankings: readonly (readonly T[])[],
  k = RRF_K,
): { id: T; score: number }[] {
  const scores = new Map<T, number>();
  for (const ranking of rankings) {
    ranking.forEach((id, index) => {
      scores.set(id, (scores.get(id) ?? 0) + 1 / (k + index + 1));
    });
  }
  // Stable: ties keep the order in which ids were first met (the first ranking's first).
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score);
}

/** Cosine similarity of two vectors of the same length (1 for the same direction). */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
