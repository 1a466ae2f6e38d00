/**
 * One model worker of `bench:cluster`, run as its own process so it can be killed for
 * real: the cluster worker over a model manager with timed fake models (the reference
 * footprints and load times, scaled). Prints `{"ready":true}` once it takes jobs and, on
 * SIGTERM, `{"loads":…,"served":[…]}` (its cold loads and the kinds it ran, in order).
 */
import { pino } from "pino";
import { ClusterWorker, type ModelKind } from "../src/cluster/index.js";
import type { ClusterConfig } from "../src/config/index.js";
import type { ModelHandle } from "../src/models/contract.js";
import { ModelManager } from "../src/models/manager/index.js";
import { systemClock } from "../src/shared/clock.js";
import { KIND_OF } from "./cluster-kinds.js";
import { MemoryLedger, TimedFakeModel, type TimedJob } from "./timed-model.js";
import { REFERENCE_BUDGET_BYTES, REFERENCE_MODELS, type TraceModel } from "./trace.js";

const env = process.env;
const timeScale = Number(env.BENCH_TIME_SCALE);
const settings: ClusterConfig & { redisUrl: string } = JSON.parse(env.BENCH_CLUSTER!);
const logger = pino({ level: "silent" });
const ledger = new MemoryLedger(REFERENCE_BUDGET_BYTES);
const manager = new ModelManager({
  budgetBytes: REFERENCE_BUDGET_BYTES,
  clock: systemClock,
  logger,
});
const served: TraceModel[] = [];
const handles: Partial<Record<ModelKind, ModelHandle<unknown, unknown>>> = {};
for (const reference of REFERENCE_MODELS) {
  const model = new TimedFakeModel(
    {
      id: KIND_OF[reference.id],
      task: reference.id,
      estimatedBytes: reference.bytes,
      loadMs: reference.loadMs * timeScale,
    },
    systemClock,
    ledger,
  );
  const handle = manager.register(model, { idleUnloadMs: 0, maxQueue: 10_000 });
  handles[KIND_OF[reference.id]] = {
    id: handle.id,
    run: (input, options = {}) =>
      handle.run(input as TimedJob, {
        ...options,
        onEvent: (event) => {
          if (event.type === "running") served.push(reference.id);
          options.onEvent?.(event);
        },
      }),
  };
}

const worker = new ClusterWorker({
  settings,
  id: env.BENCH_WORKER_ID!,
  kinds: Object.values(KIND_OF),
  handles,
  stats: () => manager.stats(),
  logger,
  clock: systemClock,
  placementMs: settings.heartbeatMs,
});

process.on("SIGTERM", () => {
  void (async () => {
    await worker.stop(1_000);
    const loads = manager.stats().models.reduce((total, model) => total + model.loads, 0);
    process.stdout.write(`${JSON.stringify({ loads, served })}\n`, () => process.exit(0));
  })();
});

await worker.start(10_000);
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
