/**
 * Randomized property test: many seeded traces of mixed traffic, random budgets,
 * estimates above the real footprints, load failures, out-of-memory with a fallback and
 * cancellations. On every lifecycle event and every clock tick the charged bytes and
 * the bytes the fakes really hold must be within budget, and no fake may see a broken
 * contract (double load, unload during a run, run while unloaded).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pino } from "pino";
import { ModelManager } from "../../src/models/manager/index.js";
import { ManualClock } from "../../src/shared/clock.js";
import { isAppError } from "../../src/shared/errors.js";
import { replay } from "../../bench/replay.js";
import { MemoryLedger, TimedFakeModel } from "../../bench/timed-model.js";
import { REFERENCE_MODELS, generateTrace, mulberry32 } from "../../bench/trace.js";
import type { TraceModel } from "../../bench/trace.js";

const SEEDS = 20;
const REQUESTS_PER_TRACE = 100;
const GB = 1e9;

async function runSeed(seed: number): Promise<void> {
  const random = mulberry32(seed * 7919 + 17);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const clock = new ManualClock();
  const budgetBytes = pick([7, 9, 12, 16]) * GB;
  const ledger = new MemoryLedger(budgetBytes);
  const manager = new ModelManager({ budgetBytes, clock, logger: pino({ level: "silent" }) });
  const failureRate = pick([0, 0.05, 0.15]);
  const loadFailure = () => (random() < failureRate ? new Error("weights corrupt") : undefined);

  const ocrLite = new TimedFakeModel(
    { id: "ocr-lite", task: "ocr", estimatedBytes: 3 * GB, loadMs: 3_000 },
    clock,
    ledger,
  );
  const handles = Object.fromEntries(
    REFERENCE_MODELS.map((reference) => {
      const isOcr = reference.id === "ocr";
      const model = new TimedFakeModel(
        {
          id: reference.id,
          task: reference.id,
          estimatedBytes: reference.bytes,
          actualBytes: Math.round(reference.bytes * (0.7 + 0.3 * random())),
          loadMs: reference.loadMs,
          unloadMs: pick([0, 500]),
          ...(isOcr ? { fallback: ocrLite } : {}),
          loadFailure: isOcr
            ? () => (random() < 0.2 ? new Error("CUDA out of memory") : loadFailure())
            : loadFailure,
        },
        clock,
        ledger,
      );
      const handle = manager.register(model, {
        concurrency: pick([1, 1, 2]),
        idleUnloadMs: pick([0, 30_000, 300_000]),
        pinned: random() < 0.15,
        maxQueue: 10_000,
      });
      return [reference.id, handle];
    }),
  ) as Record<TraceModel, ReturnType<typeof manager.register<{ runMs: number }, number>>>;

  const check = (when: string) => {
    const stats = manager.stats();
    assert.ok(stats.inUseBytes <= budgetBytes, `seed ${seed}: charged over budget at ${when}`);
    assert.ok(ledger.residentBytes <= budgetBytes + 1, `seed ${seed}: resident over budget`);
    assert.deepEqual(ledger.breaches, [], `seed ${seed}: contract breached at ${when}`);
  };
  manager.on((event) => {
    check(event.type);
    if (event.type === "evicted") {
      const victim = manager.stats().models.find((model) => model.id === event.modelId);
      assert.equal(victim?.running, 0, `seed ${seed}: evicted ${event.modelId} while running`);
      assert.equal(victim?.queued, 0, `seed ${seed}: evicted ${event.modelId} with jobs queued`);
    }
  });

  const trace = generateTrace({ seed, requests: REQUESTS_PER_TRACE, users: 20 });
  const outcomes = await replay(clock, trace, handles, {
    cancelAfter: () => (random() < 0.1 ? Math.floor(random() * 20_000) : undefined),
    onTick: () => check("tick"),
  });

  assert.equal(outcomes.length, trace.length, `seed ${seed}: every request settles`);
  for (const outcome of outcomes) {
    if (outcome.ok) continue;
    assert.ok(isAppError(outcome.error), `seed ${seed}: typed error, got ${String(outcome.error)}`);
    assert.ok(["job.cancelled", "model.load_failed"].includes(outcome.error.code));
  }
  assert.equal(ledger.doubleLoads, 0);
  let stopped = false;
  const shutdown = manager.shutdown(1_000).then(() => (stopped = true));
  while (!stopped) await clock.advanceTo(clock.nextAt() ?? clock.now() + 1_000);
  await shutdown;
  check("shutdown");
  assert.equal(manager.stats().inUseBytes, 0, `seed ${seed}: nothing charged after shutdown`);
  assert.ok(Math.abs(ledger.residentBytes) < 1, `seed ${seed}: nothing resident after shutdown`);
}

describe("ModelManager invariants over random traces", () => {
  it(`keeps memory within budget and honours the model contract (${SEEDS} seeds)`, async () => {
    for (let seed = 1; seed <= SEEDS; seed++) await runSeed(seed);
  });
});
