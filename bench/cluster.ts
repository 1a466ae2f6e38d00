/**
 * The cluster under load: the standard mixed trace (trace.ts) replayed through a bot-side
 * RemoteModels against 1, 2 and 4 worker processes on this machine, each with its own
 * model manager and timed fake models (the reference footprints and load times). Model
 * time is simulated (timers, scaled by --scale), so several workers on one machine scale
 * as far as the cluster's own overhead (Redis, BullMQ, placement) lets them.
 *
 * Arrivals are compressed into a burst (--burst of the one-worker run time) so every run
 * is saturated: throughput is jobs per second of makespan. Reported per run: throughput
 * relative to one worker, the 95th percentile wait (submit to run start, in trace
 * seconds), cold loads against a per-worker clairvoyant baseline (Belady's eviction on the
 * sequence each worker ran), and, in a last 4-worker run with one worker SIGKILLed a third
 * of the way in, jobs lost (failed or never answered).
 *
 *     npm run bench:cluster [-- --requests 200 --scale 0.02 --seed 7]
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import readline from "node:readline";
import { pino } from "pino";
import { RemoteModels } from "../src/cluster/index.js";
import type { ClusterConfig } from "../src/config/index.js";
import { systemClock } from "../src/shared/clock.js";
import { RedisServer } from "../tests/support/redis-server.js";
import { clairvoyantLoads } from "./baselines.js";
import { KIND_OF } from "./cluster-kinds.js";
import {
  REFERENCE_BUDGET_BYTES,
  REFERENCE_MODELS,
  generateTrace,
  type TraceModel,
  type TraceRequest,
} from "./trace.js";

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isFinite(value)) throw new Error(`--${name} needs a number`);
  return value;
}

const REQUESTS = argument("requests", 200);
const SCALE = argument("scale", 0.02);
const SEED = argument("seed", 7);
/** The arrivals span this share of the total work (as one model would serve it). */
const BURST = argument("burst", 0.05);
const WORKER_SCRIPT = new URL("./cluster-worker.ts", import.meta.url).pathname;

interface BenchWorker {
  child: ChildProcess;
  lines: AsyncIterator<string>;
}

interface RunResult {
  workers: number;
  makespanMs: number;
  waitsMs: number[];
  failed: number;
  coldLoads: number;
  clairvoyant: number;
}

async function startWorker(id: string, settings: ClusterConfig): Promise<BenchWorker> {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER_SCRIPT], {
    env: {
      ...process.env,
      BENCH_WORKER_ID: id,
      BENCH_TIME_SCALE: String(SCALE),
      BENCH_CLUSTER: JSON.stringify(settings),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done || !JSON.parse(first.value).ready) throw new Error(`worker ${id} did not start`);
  return { child, lines };
}

/** Stops a worker and reads what it served. */
async function stopWorker(worker: BenchWorker): Promise<{ loads: number; served: TraceModel[] }> {
  worker.child.kill("SIGTERM");
  const line = await worker.lines.next();
  return JSON.parse(line.value as string);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function run(
  redis: RedisServer,
  trace: readonly TraceRequest[],
  count: number,
  killOne: boolean,
): Promise<RunResult> {
  const settings: ClusterConfig & { redisUrl: string } = {
    role: "bot",
    redisUrl: redis.url,
    workerModels: [],
    prefix: `bench${count}${killOne ? "k" : ""}`,
    lockDurationMs: 1_000,
    stalledIntervalMs: 300,
    maxAttempts: 3,
    heartbeatMs: 100,
    maxPayloadBytes: 1 << 20,
  };
  const workers = await Promise.all(
    Array.from({ length: count }, (_, i) => startWorker(`w${i + 1}`, settings)),
  );
  const remote = new RemoteModels({
    settings,
    lineSize: () => ({ maxQueue: 100_000 }),
    maxPerOwner: 100_000,
    batchAgingMs: 20_000,
    logger: pino({ level: "silent" }),
    clock: systemClock,
  });
  await remote.start(10_000);
  const handles = new Map(
    Object.values(KIND_OF).map((kind) => [kind, remote.handle<{ runMs: number }, number>(kind)]),
  );
  const totalWork = trace.reduce((sum, request) => sum + request.runMs, 0) * SCALE;
  const span = trace.at(-1)!.at;
  const arrivalScale = span > 0 ? (totalWork * BURST) / span : 0;

  const waitsMs: number[] = [];
  let failed = 0;
  let finished = 0;
  const started = performance.now();
  let lastDone = started;
  let killed: BenchWorker | undefined;
  const jobs = trace.map(
    (request) =>
      new Promise<void>((resolve) => {
        setTimeout(() => {
          const submitted = performance.now();
          handles
            .get(KIND_OF[request.model])!
            .run(
              { runMs: request.runMs * SCALE },
              {
                onEvent: (event) => {
                  if (event.type === "running") waitsMs.push(performance.now() - submitted);
                },
              },
            )
            .catch(() => {
              failed += 1;
            })
            .finally(() => {
              finished += 1;
              if (killOne && !killed && finished >= trace.length / 3) {
                killed = workers[0]!;
                killed.child.kill("SIGKILL");
              }
              lastDone = performance.now();
              resolve();
            });
        }, request.at * arrivalScale);
      }),
  );
  await Promise.all(jobs);
  const makespanMs = lastDone - started;
  await remote.shutdown();
  const survivors = workers.filter((worker) => worker !== killed);
  const reports = await Promise.all(survivors.map(stopWorker));
  const victim = killed?.child;
  if (victim && victim.exitCode === null && victim.signalCode === null) await once(victim, "exit");
  const served = (models: TraceModel[]): TraceRequest[] =>
    models.map((model) => ({ at: 0, userId: 0, model, runMs: 0 }));
  return {
    workers: count,
    makespanMs,
    waitsMs,
    failed,
    coldLoads: reports.reduce((sum, report) => sum + report.loads, 0),
    clairvoyant: reports.reduce(
      (sum, report) =>
        sum + clairvoyantLoads(served(report.served), REFERENCE_MODELS, REFERENCE_BUDGET_BYTES),
      0,
    ),
  };
}

const redis = await RedisServer.start();
try {
  const trace = generateTrace({ seed: SEED, requests: REQUESTS });
  console.log(
    `cluster bench: ${trace.length} requests, model time x${SCALE}, arrivals in a burst of ${BURST} of the work`,
  );
  const results: RunResult[] = [];
  for (const count of [1, 2, 4]) {
    const result = await run(redis, trace, count, false);
    results.push(result);
    const throughput = trace.length / (result.makespanMs / 1000);
    console.log(
      `${count} worker(s): makespan ${(result.makespanMs / 1000).toFixed(2)} s, ${throughput.toFixed(1)} jobs/s, ` +
        `speedup ${(results[0]!.makespanMs / result.makespanMs).toFixed(2)}, ` +
        `p95 wait ${(percentile(result.waitsMs, 95) / SCALE / 1000).toFixed(1)} s (trace time), ` +
        `cold loads ${result.coldLoads} (clairvoyant per worker ${result.clairvoyant}), failed ${result.failed}`,
    );
  }
  const killRun = await run(redis, trace, 4, true);
  console.log(
    `4 workers, one SIGKILLed a third of the way in: makespan ${(killRun.makespanMs / 1000).toFixed(2)} s, lost ${killRun.failed}`,
  );
  const [one, two, four] = results as [RunResult, RunResult, RunResult];
  console.log(
    `cluster: speedup_2=${(one.makespanMs / two.makespanMs).toFixed(2)} speedup_4=${(one.makespanMs / four.makespanMs).toFixed(2)} ` +
      `p95_wait_s=${(percentile(four.waitsMs, 95) / SCALE / 1000).toFixed(1)} ` +
      `cold_loads=${four.coldLoads}/${four.clairvoyant} lost=${killRun.failed}`,
  );
} finally {
  await redis.stop();
}
