/**
 * The two policies the benchmark compares the model manager with, simulated over the
 * same trace:
 * - {@link simulateReference}: the Python service this project supersedes. Lazy load
 *   with no lock (every request that finds its model unloaded starts a load, so a burst
 *   loads the same model several times), "last used" stamped when a request arrives,
 *   before its run; before a load it unloads the most idle models until the model's
 *   fixed need fits, busy or not; a loop every 60 s unloads models idle over 5 min.
 *   Runs of one model are serialized (one GPU stream), as in ours. A model evicted
 *   mid-run keeps its memory until its runs end, as Python keeps the reference alive.
 * - {@link clairvoyantLoads}: Belady's offline rule: on a miss that doesn't fit, evict
 *   the resident model whose next use is farthest in the future. It sees the whole
 *   trace and ignores time, so it bounds how few cold loads any policy could need.
 */
import type { ManualClock } from "../src/shared/clock.js";
import { scheduleTrace } from "./replay.js";
import { sleep } from "./timed-model.js";
import type { ReferenceModel, TraceModel, TraceRequest } from "./trace.js";

export interface PolicyResult {
  peakBytes: number;
  /** Loads that pushed resident memory over the budget. */
  violations: number;
  loads: number;
  /** Loads of a model already loading. */
  doubleLoads: number;
  /** Models unloaded while running or with requests waiting for them. */
  busyEvictions: number;
  /** Arrival to start of run, per request, in ms. */
  waitsMs: number[];
}

interface ReferenceState {
  spec: ReferenceModel;
  loaded: boolean;
  loading: number;
  lastUsed: number;
  running: number;
  /** Memory of an evicted model still held by runs in flight. */
  heldBytes: number;
  chain: Promise<void>;
}

const IDLE_CHECK_MS = 60_000;
const IDLE_UNLOAD_MS = 5 * 60_000;

export async function simulateReference(
  clock: ManualClock,
  trace: readonly TraceRequest[],
  models: readonly ReferenceModel[],
  budgetBytes: number,
): Promise<PolicyResult> {
  const result: PolicyResult = {
    peakBytes: 0,
    violations: 0,
    loads: 0,
    doubleLoads: 0,
    busyEvictions: 0,
    waitsMs: [],
  };
  const state = new Map<TraceModel, ReferenceState>(
    models.map((spec) => [
      spec.id,
      {
        spec,
        loaded: false,
        loading: 0,
        lastUsed: 0,
        running: 0,
        heldBytes: 0,
        chain: Promise.resolve(),
      },
    ]),
  );
  let used = 0;
  let outstanding = trace.length;

  const unload = (model: ReferenceState) => {
    model.loaded = false;
    if (model.running > 0) {
      result.busyEvictions += 1;
      model.heldBytes += model.spec.bytes;
    } else {
      used -= model.spec.bytes;
    }
  };

  const handle = async (request: TraceRequest) => {
    const model = state.get(request.model);
    if (!model) throw new Error(`unknown model ${request.model}`);
    model.lastUsed = clock.now();
    if (!model.loaded) {
      if (model.loading > 0) result.doubleLoads += 1;
      model.loading += 1;
      const others = [...state.values()].filter((other) => other !== model && other.loaded);
      others.sort((a, b) => a.lastUsed - b.lastUsed);
      for (const victim of others) {
        if (budgetBytes - used >= model.spec.bytes) break;
        unload(victim);
      }
      result.loads += 1;
      used += model.spec.bytes;
      result.peakBytes = Math.max(result.peakBytes, used);
      if (used > budgetBytes) result.violations += 1;
      await sleep(clock, model.spec.loadMs);
      model.loading -= 1;
      // A second copy replaces the first, which the garbage collector frees.
      if (model.loaded) used -= model.spec.bytes;
      model.loaded = true;
    }
    const run = model.chain.then(async () => {
      result.waitsMs.push(clock.now() - request.at);
      model.running += 1;
      await sleep(clock, request.runMs);
      model.running -= 1;
      if (model.running === 0 && model.heldBytes > 0) {
        used -= model.heldBytes;
        model.heldBytes = 0;
      }
    });
    model.chain = run;
    await run;
    outstanding -= 1;
  };

  const idleLoop = () => {
    for (const model of state.values()) {
      if (model.loaded && clock.now() - model.lastUsed > IDLE_UNLOAD_MS) unload(model);
    }
    if (outstanding > 0) clock.setTimeout(idleLoop, IDLE_CHECK_MS);
  };
  clock.setTimeout(idleLoop, IDLE_CHECK_MS);

  scheduleTrace(trace, clock, (request) => void handle(request));
  for (let at = clock.nextAt(); at !== undefined; at = clock.nextAt()) await clock.advanceTo(at);
  return result;
}

/** Cold loads under Belady's clairvoyant eviction (sizes respected, time ignored). */
export function clairvoyantLoads(
  trace: readonly TraceRequest[],
  models: readonly ReferenceModel[],
  budgetBytes: number,
): number {
  const size = new Map(models.map((model) => [model.id, model.bytes]));
  const nextUse: number[] = new Array<number>(trace.length);
  const upcoming = new Map<TraceModel, number>();
  for (let i = trace.length - 1; i >= 0; i--) {
    const model = (trace[i] as TraceRequest).model;
    nextUse[i] = upcoming.get(model) ?? Number.POSITIVE_INFINITY;
    upcoming.set(model, i);
  }
  const resident = new Map<TraceModel, number>();
  let used = 0;
  let loads = 0;
  trace.forEach((request, i) => {
    const bytes = size.get(request.model) ?? 0;
    if (!resident.has(request.model)) {
      loads += 1;
      while (used + bytes > budgetBytes && resident.size > 0) {
        const [victim] = [...resident.entries()].reduce((a, b) => (b[1] > a[1] ? b : a));
        resident.delete(victim);
        used -= size.get(victim) ?? 0;
      }
      used += bytes;
    }
    resident.set(request.model, nextUse[i] ?? Number.POSITIVE_INFINITY);
  });
  return loads;
}
