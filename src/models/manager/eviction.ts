/**
 * Which idle models to unload when a load does not fit.
 *
 * Each candidate carries a *retention value*: the load time its eviction would cost if
 * it is needed again, weighted by how much it is asked for and discounted by how long it
 * has been idle (the longer a model sits unused, the less likely it is needed soon):
 *
 *     value = loadCostMs × (1 + recentRequests) / (1 + idleMs / reuseHorizonMs)
 *
 * `recentRequests` counts the model's requests with weights that decay by e every
 * {@link DEMAND_DECAY_MS} (30 min): a smoothed request rate. Recency alone evicted the
 * chat model, which serves over half the requests, whenever a rarely used model had
 * been touched a few seconds later. On the benchmark trace (bench/manager.ts, seed 42)
 * 82 of 333 evictions took a model needed again sooner than the one a clairvoyant
 * choice would have taken, 38 of them chat for ASR while OCR, idle about as long, was
 * not needed for minutes. With the request rate, cold loads against Belady's optimum
 * on seeds 1, 7, 42, 99 fell from 1.15, 1.21, 1.17, 1.13× to 1.04, 1.07, 1.06, 1.03×,
 * the mean wait by 2–4%, the p95 wait within ±0.1 s (a 2-min time constant gave
 * 1.06–1.14×, 1–3 h within 0.02 of 30 min; the rate alone, without the idle term,
 * 1.05–1.12×).
 *
 * The victims are the set of candidates that frees enough bytes with the smallest total
 * value. With equal load costs and demand this is LRU; a model that is slow to load or
 * often asked for is kept longer, and two long-idle models go before one that was just
 * used. Every victim adds a positive value, so freeing memory with fewer evictions is
 * preferred when the models are comparably valuable. Pinned models are considered only
 * when the unpinned ones cannot free enough: a pin keeps a model warm but never starves
 * another model.
 */

/** An idle, loaded model that could be unloaded. */
export interface EvictionCandidate {
  readonly id: string;
  /** Bytes its unload would free. */
  readonly bytes: number;
  /** Its last measured load time (or an estimate): what evicting it may cost later. */
  readonly loadCostMs: number;
  /** Time since it last finished a job or finished loading. */
  readonly idleMs: number;
  /** Its requests, each weighted by e^(-age / DEMAND_DECAY_MS) (see DecayingCount). */
  readonly recentRequests: number;
  readonly pinned: boolean;
}

/**
 * Default idle time at which a model's retention value halves. Short, so recency
 * dominates among models in equal demand. Without the demand weight, 10 s gave 5–15%
 * fewer cold loads on the benchmark trace (bench/manager.ts) than 3–60 min, which drift
 * towards "evict the cheapest to reload"; with it, 5 s to 3 min are within 2% of each other.
 */
export const DEFAULT_REUSE_HORIZON_MS = 10_000;

/** Time constant of the request rate in the retention value: old requests fade by e every 30 min. */
export const DEMAND_DECAY_MS = 30 * 60_000;

/** Exhaustive search up to this many candidates (2^16 subsets); greedy above it. */
const EXACT_SEARCH_LIMIT = 16;

export function retentionValue(candidate: EvictionCandidate, reuseHorizonMs: number): number {
  return (
    (candidate.loadCostMs * (1 + candidate.recentRequests)) /
    (1 + candidate.idleMs / reuseHorizonMs)
  );
}

/**
 * The cheapest set of candidates whose unload frees at least `shortfallBytes`, or
 * undefined when even all of them together cannot.
 */
export function chooseVictims(
  candidates: readonly EvictionCandidate[],
  shortfallBytes: number,
  reuseHorizonMs = DEFAULT_REUSE_HORIZON_MS,
): EvictionCandidate[] | undefined {
  if (shortfallBytes <= 0) return [];
  const unpinned = candidates.filter((candidate) => !candidate.pinned);
  return (
    cheapestCover(unpinned, shortfallBytes, reuseHorizonMs) ??
    cheapestCover(candidates, shortfallBytes, reuseHorizonMs)
  );
}

function cheapestCover(
  candidates: readonly EvictionCandidate[],
  shortfallBytes: number,
  reuseHorizonMs: number,
): EvictionCandidate[] | undefined {
  const total = candidates.reduce((sum, candidate) => sum + candidate.bytes, 0);
  if (total < shortfallBytes) return undefined;
  const values = candidates.map((candidate) => retentionValue(candidate, reuseHorizonMs));
  if (candidates.length > EXACT_SEARCH_LIMIT)
    return greedyCover(candidates, values, shortfallBytes);

  let best: { mask: number; value: number; bytes: number } | undefined;
  for (let mask = 1; mask < 1 << candidates.length; mask++) {
    let bytes = 0;
    let value = 0;
    candidates.forEach((candidate, i) => {
      if (mask & (1 << i)) {
        bytes += candidate.bytes;
        value += values[i] ?? 0;
      }
    });
    if (bytes < shortfallBytes) continue;
    // Ties (e.g. equal values) go to the set that frees less: fewer bytes lost.
    if (!best || value < best.value || (value === best.value && bytes < best.bytes)) {
      best = { mask, value, bytes };
    }
  }
  const mask = best?.mask ?? 0;
  return candidates.filter((_, i) => mask & (1 << i));
}

/** Lowest value per byte first, then drops victims the others already cover. */
function greedyCover(
  candidates: readonly EvictionCandidate[],
  values: readonly number[],
  shortfallBytes: number,
): EvictionCandidate[] {
  const order = candidates
    .map((candidate, i) => ({ candidate, density: (values[i] ?? 0) / candidate.bytes }))
    .sort((a, b) => a.density - b.density)
    .map((entry) => entry.candidate);
  const chosen: EvictionCandidate[] = [];
  let freed = 0;
  for (const candidate of order) {
    if (freed >= shortfallBytes) break;
    chosen.push(candidate);
    freed += candidate.bytes;
  }
  for (let i = chosen.length - 1; i >= 0; i--) {
    const candidate = chosen[i];
    if (candidate && freed - candidate.bytes >= shortfallBytes) {
      chosen.splice(i, 1);
      freed -= candidate.bytes;
    }
  }
  return chosen;
}
