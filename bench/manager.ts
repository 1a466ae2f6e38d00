/**
 * Replays a standard trace of bursty mixed traffic (see trace.ts) in virtual time
 * against the real ModelManager with fake models of the reference footprints and load
 * times, and against two baselines (see baselines.ts): the reference service's policy
 * and Belady's clairvoyant eviction. Prints peak memory, budget violations, cold and
 * double loads and waits; the last line is a machine-readable summary.
 *
 * Ours runs twice: with idle unload off (eviction alone decides what leaves memory, as
 * in the clairvoyant baseline: this is the policy comparison) and with the default
 * 5-minute idle unload (which trades extra cold loads for memory handed back).
 *
 *     npm run bench:manager [-- --seed 42 --requests 5000]
 */
import { pino } from "pino";
import { ModelManager } from "../src/models/manager/index.js";
import { ManualClock } from "../src/shared/clock.js";
import { clairvoyantLoads, simulateReference } from "./baselines.js";
import type { PolicyResult } from "./baselines.js";
import { replay } from "./replay.js";
import { MemoryLedger, TimedFakeModel } from "./timed-model.js";
import { REFERENCE_BUDGET_BYTES, REFERENCE_MODELS, generateTrace } from "./trace.js";
import type { TraceModel, TraceRequest } from "./trace.js";

const GB = 1e9;

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isFinite(value)) throw new Error(`--${name} needs a number`);
  return value;
}

interface ManagerResult extends PolicyResult {
  /** The requests in the order their jobs started. */
  serviceOrder: TraceRequest[];
}

async function runManager(
  trace: readonly TraceRequest[],
  idleUnloadMs: number,
): Promise<ManagerResult> {
  const clock = new ManualClock();
  const ledger = new MemoryLedger(REFERENCE_BUDGET_BYTES);
  const manager = new ModelManager({
    budgetBytes: REFERENCE_BUDGET_BYTES,
    clock,
    logger: pino({ level: "silent" }),
  });
  let loads = 0;
  manager.on((event) => {
    if (event.type === "loading") loads += 1;
  });
  const handles = Object.fromEntries(
    REFERENCE_MODELS.map((spec) => {
      const model = new TimedFakeModel(
        { id: spec.id, task: spec.id, estimatedBytes: spec.bytes, loadMs: spec.loadMs },
        clock,
        ledger,
      );
      return [spec.id, manager.register(model, { idleUnloadMs, maxQueue: trace.length })];
    }),
  ) as Record<TraceModel, ReturnType<typeof manager.register<{ runMs: number }, number>>>;
  const outcomes = await replay(clock, trace, handles);
  const failed = outcomes.filter((outcome) => !outcome.ok);
  if (failed.length > 0) throw new Error(`${failed.length} requests failed in the replay`);
  await manager.shutdown(0);
  return {
    peakBytes: ledger.peakBytes,
    violations: ledger.overBudget,
    loads,
    doubleLoads: ledger.doubleLoads,
    busyEvictions: ledger.breaches.filter((breach) => breach.includes("unload during")).length,
    waitsMs: outcomes.map((outcome) => (outcome.startedAt ?? 0) - outcome.request.at),
    serviceOrder: outcomes
      .map((outcome) => ({ ...outcome.request, at: outcome.startedAt ?? 0 }))
      .sort((a, b) => a.at - b.at),
  };
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

const seed = argument("seed", 42);
const requests = argument("requests", 5_000);
const trace = generateTrace({ seed, requests });
const perModel = REFERENCE_MODELS.map(
  (model) => `${model.id} ${trace.filter((request) => request.model === model.id).length}`,
).join(", ");
const hours = (trace.at(-1)?.at ?? 0) / 3_600_000;
console.log(
  `trace: seed ${seed}, ${trace.length} requests over ${hours.toFixed(1)} h (${perModel})`,
);
console.log(
  `models: ${REFERENCE_MODELS.map((m) => `${m.id} ${m.bytes / GB} GB / ${m.loadMs / 1000} s`).join(", ")}; budget ${REFERENCE_BUDGET_BYTES / GB} GB`,
);

const ours = await runManager(trace, 0);
const oursIdle = await runManager(trace, 5 * 60_000);
const reference = await simulateReference(
  new ManualClock(),
  trace,
  REFERENCE_MODELS,
  REFERENCE_BUDGET_BYTES,
);
const optimal = clairvoyantLoads(trace, REFERENCE_MODELS, REFERENCE_BUDGET_BYTES);
// Queues let the manager serve a burst for one model together, which arrival-order Belady
// cannot; Belady over the order the manager actually served isolates its eviction choices.
const optimalServed = clairvoyantLoads(ours.serviceOrder, REFERENCE_MODELS, REFERENCE_BUDGET_BYTES);

const rows: [string, PolicyResult | undefined][] = [
  ["manager (no idle unload)", ours],
  ["manager (idle unload 5 min)", oursIdle],
  ["reference service policy", reference],
  ["clairvoyant (Belady)", undefined],
  ["clairvoyant, our order", undefined],
];
const pad = (text: string | number, width: number) => String(text).padStart(width);
console.log(
  `\n${"policy".padEnd(28)}${pad("peak GB", 9)}${pad("viol.", 7)}${pad("loads", 7)}${pad("double", 8)}${pad("busy ev.", 10)}${pad("p50 wait s", 12)}${pad("p95 wait s", 12)}`,
);
for (const [name, result] of rows) {
  const optimalLoads = name.includes("our order") ? optimalServed : optimal;
  const line = result
    ? `${pad((result.peakBytes / GB).toFixed(1), 9)}${pad(result.violations, 7)}${pad(result.loads, 7)}${pad(result.doubleLoads, 8)}${pad(result.busyEvictions, 10)}${pad((percentile(result.waitsMs, 50) / 1000).toFixed(1), 12)}${pad((percentile(result.waitsMs, 95) / 1000).toFixed(1), 12)}`
    : `${pad("-", 9)}${pad("-", 7)}${pad(optimalLoads, 7)}${pad("-", 8)}${pad("-", 10)}${pad("-", 12)}${pad("-", 12)}`;
  console.log(`${name.padEnd(28)}${line}`);
}
console.log(
  `manager: peak_gb=${(ours.peakBytes / GB).toFixed(1)} violations=${ours.violations} loads=${ours.loads} optimal_loads=${optimal} ratio=${(ours.loads / optimal).toFixed(2)} optimal_loads_our_order=${optimalServed} p95_wait_s=${(percentile(ours.waitsMs, 95) / 1000).toFixed(1)} loads_idle5m=${oursIdle.loads} reference_loads=${reference.loads} reference_violations=${reference.violations}`,
);
