import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Bot, type ApiCallFn } from "grammy";
import { pino } from "pino";
import {
  bindManagerMetrics,
  countApiErrors,
  countUpdates,
  createBotMetrics,
  METRIC_NAMES,
  updateTypeOf,
} from "../../src/metrics/index.js";
import { ModelManager } from "../../src/models/manager/index.js";
import { hashOwner } from "../../src/models/scheduler/index.js";
import { TelegramReachability } from "../../src/server/index.js";
import { ManualClock, settle } from "../../src/shared/clock.js";
import { FakeModel, GB } from "../models/fake-model.js";
import { parseExposition, sampleValue } from "./support/exposition.js";

async function scrape(metrics: ReturnType<typeof createBotMetrics>) {
  return parseExposition(await metrics.registry.metrics());
}

describe("bindManagerMetrics", () => {
  it("counts loads, jobs and unloads from a real manager and reads its gauges at scrape time", async () => {
    const clock = new ManualClock();
    const manager = new ModelManager({
      budgetBytes: 16 * GB,
      clock,
      logger: pino({ level: "silent" }),
    });
    const model = new FakeModel("asr", 2 * GB, { task: "asr", manualLoad: true });
    const asr = manager.register(model, { idleUnloadMs: 60_000 });
    const metrics = createBotMetrics({ defaultMetrics: false });
    const unbind = bindManagerMetrics(manager, metrics);

    const first = asr.run("one");
    const second = asr.run("two");
    await settle();
    // Loading: the reservation is in use, both jobs wait.
    let exposition = await scrape(metrics);
    assert.equal(sampleValue(exposition, METRIC_NAMES.memoryBudget), 16 * GB);
    assert.equal(sampleValue(exposition, METRIC_NAMES.memoryInUse), 2 * GB);
    assert.equal(sampleValue(exposition, METRIC_NAMES.queueLength, { model: "asr" }), 2);
    assert.equal(sampleValue(exposition, METRIC_NAMES.modelLoaded, { model: "asr" }), 0);

    await clock.advance(1500);
    model.finishLoad();
    await settle();
    exposition = await scrape(metrics);
    assert.equal(
      sampleValue(exposition, METRIC_NAMES.modelLoads, { model: "asr", outcome: "ok" }),
      1,
    );
    assert.equal(sampleValue(exposition, `${METRIC_NAMES.modelLoadDuration}_sum`), 1.5);
    assert.equal(sampleValue(exposition, METRIC_NAMES.modelLoaded, { model: "asr" }), 1);
    assert.equal(sampleValue(exposition, METRIC_NAMES.runningJobs, { model: "asr" }), 1);
    assert.equal(sampleValue(exposition, METRIC_NAMES.queueLength, { model: "asr" }), 1);

    await clock.advance(250);
    model.finishRun();
    await first;
    await settle();
    model.runs[0]?.done.reject(new Error("decoder exploded"));
    await assert.rejects(second);
    await settle();

    await clock.advance(60_000);
    exposition = await scrape(metrics);
    const ok = { task: "asr", model: "asr", outcome: "ok" };
    assert.equal(sampleValue(exposition, METRIC_NAMES.jobs, ok), 1);
    assert.equal(sampleValue(exposition, `${METRIC_NAMES.jobDuration}_sum`, ok), 0.25);
    assert.equal(sampleValue(exposition, METRIC_NAMES.jobs, { outcome: "error" }), 1);
    assert.equal(sampleValue(exposition, `${METRIC_NAMES.jobWait}_count`), 2);
    assert.equal(sampleValue(exposition, METRIC_NAMES.modelUnloads, { reason: "idle" }), 1);
    assert.equal(sampleValue(exposition, METRIC_NAMES.modelLoaded, { model: "asr" }), 0);
    assert.equal(sampleValue(exposition, METRIC_NAMES.memoryInUse), 0);
    assert.equal(sampleValue(exposition, METRIC_NAMES.memoryPeak), 2 * GB);

    unbind();
    exposition = await scrape(metrics);
    assert.equal(
      exposition.samples.some((s) => s.name === METRIC_NAMES.queueLength),
      false,
      "gauges report nothing once unbound",
    );
    await manager.shutdown(0);
  });
});

describe("bindManagerMetrics: the fair line", () => {
  it("reports waiting jobs per class, the top owners hashed with stale ones dropped, and wait per class", async () => {
    const clock = new ManualClock();
    const manager = new ModelManager({ budgetBytes: 16 * GB, clock });
    const model = new FakeModel("chat", GB);
    const chat = manager.register(model);
    await manager.preload(["chat"]);
    const metrics = createBotMetrics({ defaultMetrics: false });
    const unbind = bindManagerMetrics(manager, metrics);
    const jobs: Promise<string>[] = [];
    const submit = (owner: string, workClass: "interactive" | "batch") =>
      jobs.push(chat.run(owner, { owner, workClass }));

    submit("tg:0", "interactive");
    // Seven owners waiting, owner n with n batch pieces; one interactive question.
    for (let owner = 1; owner <= 7; owner++) {
      for (let piece = 0; piece < owner; piece++) submit(`tg:${owner}`, "batch");
    }
    await clock.advance(2_000);
    submit("tg:1", "interactive");
    await settle();
    let exposition = await scrape(metrics);
    const waiting = (workClass: string) =>
      sampleValue(exposition, METRIC_NAMES.waitingJobs, { model: "chat", class: workClass });
    assert.deepEqual([waiting("interactive"), waiting("batch")], [1, 28]);
    const owners = () =>
      exposition.samples
        .filter((sample) => sample.name === METRIC_NAMES.ownerWaitingJobs)
        .map((sample) => [sample.labels.owner, sample.value]);
    assert.deepEqual(
      owners(),
      [7, 6, 5, 4, 3].map((owner) => [hashOwner(`tg:${owner}`), owner]),
      "the top five only, hashed",
    );

    // Work through most of the line: the owners who left the top disappear.
    for (let done = 0; done < 26; done++) {
      model.finishRun();
      await settle();
    }
    exposition = await scrape(metrics);
    // Five rounds of turns: owners 1 to 5 are done, 6 and 7 have pieces left.
    assert.deepEqual(owners(), [
      [hashOwner("tg:7"), 2],
      [hashOwner("tg:6"), 1],
    ]);
    assert.equal(
      sampleValue(exposition, `${METRIC_NAMES.jobWait}_count`, { class: "interactive" }),
      2,
    );
    assert.equal(
      sampleValue(exposition, `${METRIC_NAMES.jobWait}_sum`, { class: "interactive" }),
      0,
      "the question went ahead of every page",
    );
    assert.equal(sampleValue(exposition, `${METRIC_NAMES.jobWait}_count`, { class: "batch" }), 24);
    while (model.runs.length > 0) {
      model.finishRun();
      await settle();
    }
    await Promise.all(jobs);
    unbind();
    await manager.shutdown(0);
  });
});

describe("grammY adapters", () => {
  it("names an update by its payload field", () => {
    assert.equal(updateTypeOf({ update_id: 1, message: {} } as never), "message");
    assert.equal(updateTypeOf({ update_id: 2, callback_query: {} } as never), "callback_query");
    assert.equal(updateTypeOf({ update_id: 3 } as never), "unknown");
  });

  it("counts updates and passes them on", async () => {
    const metrics = createBotMetrics({ defaultMetrics: false });
    const middleware = countUpdates(metrics);
    let passed = 0;
    await middleware({ update: { update_id: 1, edited_message: {} } as never }, async () => {
      passed += 1;
    });
    assert.equal(passed, 1);
    const exposition = await scrape(metrics);
    assert.equal(sampleValue(exposition, METRIC_NAMES.updates, { type: "edited_message" }), 1);
  });

  it("counts failed API calls by method and code, network failures as 'network', aborts not at all", async () => {
    const metrics = createBotMetrics({ defaultMetrics: false });
    const transformer = countApiErrors(metrics);
    const answer = (response: unknown): ApiCallFn => (async () => response) as never;
    const failing: ApiCallFn = (async () => {
      throw new Error("socket hang up");
    }) as never;

    const ok = await transformer(answer({ ok: true, result: true }), "sendMessage", {} as never);
    assert.deepEqual(ok, { ok: true, result: true });
    const refused = await transformer(
      answer({ ok: false, error_code: 403, description: "Forbidden: bot was blocked by the user" }),
      "sendMessage",
      {} as never,
    );
    assert.equal(refused.ok, false, "the failed answer is passed through unchanged");
    await assert.rejects(transformer(failing, "getUpdates", {} as never), /socket hang up/);
    const aborted = new AbortController();
    aborted.abort();
    await assert.rejects(transformer(failing, "getUpdates", {} as never, aborted.signal as never));

    const exposition = await scrape(metrics);
    const errors = METRIC_NAMES.telegramApiErrors;
    assert.equal(sampleValue(exposition, errors, { method: "sendMessage", error_code: "403" }), 1);
    assert.equal(
      sampleValue(exposition, errors, { method: "getUpdates", error_code: "network" }),
      1,
    );
    assert.equal(exposition.samples.filter((s) => s.name === errors).length, 2);
  });

  it("plug into a grammY bot as middleware and API transformers", () => {
    // Mostly a compile-time check: tsc rejects this file if the shapes drift from grammY's.
    const metrics = createBotMetrics({ defaultMetrics: false });
    const bot = new Bot("123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ0123");
    bot.use(countUpdates(metrics));
    bot.api.config.use(countApiErrors(metrics), new TelegramReachability().transformer);
    assert.equal(bot.api.config.installedTransformers().length, 2);
  });
});
