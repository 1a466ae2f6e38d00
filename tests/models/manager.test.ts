import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { JobEvent } from "../../src/models/contract.js";
import {
  InMemoryFootprintStore,
  ModelManager,
  defaultBudgetBytes,
  isOutOfMemoryError,
} from "../../src/models/manager/index.js";
import { ManualClock, settle } from "../../src/shared/clock.js";
import { FakeModel, GB } from "./fake-model.js";
import { rejectsWith, setup, statsOf } from "./support/manager-setup.js";

describe("ModelManager loads", () => {
  it("loads once for many concurrent first requests (single flight)", async () => {
    const { manager } = setup();
    const model = new FakeModel("chat", 4 * GB, { manualLoad: true });
    const chat = manager.register(model, { concurrency: 5 });
    const results = ["a", "b", "c", "d", "e"].map((input) => chat.run(input));
    await settle();
    assert.equal(model.loads.length, 1);
    assert.equal(statsOf(manager, "chat").state, "loading");
    assert.equal(manager.stats().reservedBytes, 4 * GB);
    model.finishLoad();
    await settle();
    assert.equal(model.runs.length, 5);
    for (let i = 0; i < 5; i++) model.finishRun();
    assert.deepEqual(await Promise.all(results), [
      "chat:a",
      "chat:b",
      "chat:c",
      "chat:d",
      "chat:e",
    ]);
    assert.equal(model.loads.length, 1);
  });

  it("rejects every waiter of a failed load with the cause, leaves no reservation, retries after a rest", async () => {
    const { manager, events, clock } = setup({ retryFailedAfterMs: 60_000 });
    const model = new FakeModel("asr", 5 * GB, { manualLoad: true });
    const asr = manager.register(model);
    const waiting = [asr.run("1"), asr.run("2"), asr.run("3")];
    await settle();
    const cause = new Error("weights corrupt");
    model.failLoad(cause);
    for (const job of waiting) {
      const error = await rejectsWith(job, "model.load_failed");
      assert.equal((error as Error).cause, cause);
    }
    assert.equal(manager.stats().inUseBytes, 0);
    assert.equal(manager.stats().reservedBytes, 0);
    assert.equal(statsOf(manager, "asr").state, "unloaded");
    assert.ok(events.some((event) => event.type === "load_failed" && !event.outOfMemory));
    assert.deepEqual(statsOf(manager, "asr").unavailable, [
      { variantId: "asr", reason: "weights corrupt", retryInMs: 60_000 },
    ]);

    // Within the rest, a request is refused at once, without another doomed load.
    await clock.advance(59_999);
    const early = await rejectsWith(asr.run("early"), "model.load_failed");
    assert.match((early as Error).message, /no variant of "asr" can load \(asr: weights corrupt\)/);
    assert.equal(model.loads.length, 1);

    await clock.advance(1);
    const retry = asr.run("4");
    await settle();
    assert.equal(model.loads.length, 2);
    model.finishLoad();
    await settle();
    model.finishRun();
    assert.equal(await retry, "asr:4");
    assert.deepEqual(statsOf(manager, "asr").unavailable, [], "a successful load clears it");
  });

  it("replaces the estimate with the measured footprint and remembers it", async () => {
    const footprints = new InMemoryFootprintStore();
    const { manager, clock } = setup({ footprints });
    const model = new FakeModel("tts", 4 * GB, { measuredBytes: 3 * GB });
    const tts = manager.register(model, { idleUnloadMs: 1_000 });
    const job = tts.run("hi");
    await settle();
    assert.equal(manager.stats().inUseBytes, 3 * GB);
    assert.equal(footprints.get("tts"), 3 * GB);
    const stats = statsOf(manager, "tts");
    assert.equal(stats.estimatedBytes, 4 * GB);
    assert.equal(stats.measuredBytes, 3 * GB);
    model.finishRun();
    await job;
    await clock.advance(1_000);
    assert.equal(statsOf(manager, "tts").state, "unloaded");
    const reloaded = tts.run("again");
    await settle();
    const loading = manager.stats();
    assert.equal(loading.inUseBytes, 3 * GB, "the next load reserves the measurement");
    model.finishRun();
    await reloaded;
  });

  it("charges a measurement above the reservation and evicts idle models to get back under budget", async () => {
    const { manager } = setup({ budgetBytes: 10 * GB });
    const idle = new FakeModel("idle", 4 * GB);
    const liar = new FakeModel("liar", 4 * GB, { measuredBytes: 8 * GB, manualLoad: true });
    const waiter = new FakeModel("waiter", 1 * GB);
    const handles = [idle, liar, waiter].map((model) => manager.register(model));
    const [idleHandle, liarHandle, waiterHandle] = handles;
    const first = idleHandle?.run("x");
    await settle();
    idle.finishRun();
    await first;
    const big = liarHandle?.run("y");
    await settle();
    liar.finishLoad();
    await settle();
    // 4 + 8 GB resident: the overshoot is charged as measured and "idle" is evicted.
    assert.equal(idle.unloads, 1);
    assert.equal(manager.stats().inUseBytes, 8 * GB);
    const small = waiterHandle?.run("z");
    await settle();
    assert.equal(waiter.loads.length, 1);
    liar.finishRun();
    waiter.finishRun();
    assert.equal(await big, "liar:y");
    assert.equal(await small, "waiter:z");
  });
});

describe("ModelManager budget and eviction", () => {
  it("evicts an idle model when a load does not fit", async () => {
    const { manager, events } = setup({ budgetBytes: 10 * GB });
    const ocr = new FakeModel("ocr", 6 * GB);
    const asr = new FakeModel("asr", 5 * GB);
    const ocrHandle = manager.register(ocr);
    const asrHandle = manager.register(asr);
    const first = ocrHandle.run("page");
    await settle();
    ocr.finishRun();
    await first;
    const second = asrHandle.run("voice");
    await settle();
    assert.equal(ocr.unloads, 1);
    assert.equal(asr.loads.length, 1);
    asr.finishRun();
    await second;
    const evicted = events.find((event) => event.type === "evicted");
    assert.deepEqual(evicted && { ...evicted }, {
      type: "evicted",
      modelId: "ocr",
      variantId: "ocr",
      forModelId: "asr",
      bytes: 6 * GB,
    });
    assert.equal(manager.stats().peakBytes, 6 * GB);
  });

  it("evicts the model idle longest when load costs are equal", async () => {
    const { manager, clock } = setup({ budgetBytes: 10 * GB });
    const models = ["a", "b", "c"].map((id) => new FakeModel(id, 3 * GB));
    const handles = models.map((model) => manager.register(model));
    for (const [i, handle] of handles.entries()) {
      const job = handle.run("x");
      await settle();
      models[i]?.finishRun();
      await job;
      await clock.advance(10_000);
    }
    // "b" is used again, so "a" is now idle longest, then "c".
    const again = handles[1]?.run("y");
    await settle();
    models[1]?.finishRun();
    await again;
    const d = new FakeModel("d", 3 * GB);
    const job = manager.register(d).run("z");
    await settle();
    assert.deepEqual(
      models.map((model) => model.unloads),
      [1, 0, 0],
    );
    d.finishRun();
    await job;
  });

  it("keeps the model that is slower to load when both are equally idle", async () => {
    const { manager, clock } = setup({ budgetBytes: 10 * GB });
    const slow = new FakeModel("slow", 4 * GB, { manualLoad: true });
    const fast = new FakeModel("fast", 4 * GB, { manualLoad: true });
    for (const [model, loadMs] of [
      [slow, 8_000],
      [fast, 1_000],
    ] as const) {
      const job = manager.register(model).run("x");
      await settle();
      await clock.advance(loadMs);
      model.finishLoad();
      await settle();
      model.finishRun();
      await job;
    }
    const other = new FakeModel("other", 4 * GB);
    const job = manager.register(other).run("y");
    await settle();
    assert.equal(fast.unloads, 1);
    assert.equal(slow.unloads, 0);
    other.finishRun();
    await job;
  });

  it("keeps a model asked for often over one used a little more recently", async () => {
    const { manager, clock } = setup({ budgetBytes: 10 * GB });
    const often = new FakeModel("often", 4 * GB, { manualLoad: true });
    const rare = new FakeModel("rare", 4 * GB, { manualLoad: true });
    for (const [model, requests] of [
      [often, 5],
      [rare, 1],
    ] as const) {
      const handle = manager.register(model);
      const jobs = Array.from({ length: requests }, (_, i) => handle.run(`x${i}`));
      await settle();
      await clock.advance(5_000);
      model.finishLoad();
      await settle();
      for (let i = 0; i < requests; i++) {
        model.finishRun();
        await settle();
      }
      await Promise.all(jobs);
      await clock.advance(10_000);
    }
    // Equal load times; "often" has been idle 25 s, "rare" 10 s, which recency alone
    // would keep. Its five requests keep "often" instead.
    const other = new FakeModel("other", 4 * GB);
    const job = manager.register(other).run("y");
    await settle();
    assert.equal(rare.unloads, 1);
    assert.equal(often.unloads, 0);
    other.finishRun();
    await job;
  });

  it("never evicts a model with a job running or queued; the load waits until it is idle", async () => {
    const { manager } = setup({ budgetBytes: 10 * GB });
    const ocr = new FakeModel("ocr", 6 * GB);
    const asr = new FakeModel("asr", 5 * GB);
    const ocrHandle = manager.register(ocr);
    const asrHandle = manager.register(asr);
    const running = ocrHandle.run("1");
    const queued = ocrHandle.run("2");
    await settle();
    const waiting = asrHandle.run("voice");
    await settle();
    assert.equal(asr.loads.length, 0);
    assert.equal(statsOf(manager, "asr").waitingForMemory, true);
    assert.deepEqual(manager.stats().pendingLoads, ["asr"]);
    ocr.finishRun();
    await running;
    await settle();
    assert.equal(ocr.unloads, 0, "a queued job keeps it loaded");
    assert.equal(asr.loads.length, 0);
    ocr.finishRun();
    await queued;
    await settle();
    assert.equal(ocr.unloads, 1);
    assert.equal(asr.loads.length, 1);
    asr.finishRun();
    assert.equal(await waiting, "asr:voice");
  });

  it("admits waiting loads in arrival order, so a small model cannot starve a large one", async () => {
    const { manager } = setup({ budgetBytes: 10 * GB });
    const busy = new FakeModel("busy", 6 * GB);
    const large = new FakeModel("large", 6 * GB);
    const small = new FakeModel("small", 3 * GB);
    const [hBusy, hLarge, hSmall] = [busy, large, small].map((model) => manager.register(model));
    const running = hBusy?.run("1");
    await settle();
    const waiting = [hLarge?.run("1"), hSmall?.run("1")];
    await settle();
    assert.deepEqual(manager.stats().pendingLoads, ["large", "small"]);
    assert.equal(small.loads.length, 0, "4 GB are free, but the older request comes first");
    busy.finishRun();
    await running;
    await settle();
    assert.deepEqual([busy.unloads, large.loads.length, small.loads.length], [1, 1, 1]);
    large.finishRun();
    small.finishRun();
    assert.deepEqual(await Promise.all(waiting), ["large:1", "small:1"]);
  });

  it("does not deadlock when busy models hold the memory other models wait for", async () => {
    const { manager } = setup({ budgetBytes: 10 * GB });
    const a = new FakeModel("a", 5 * GB);
    const b = new FakeModel("b", 5 * GB);
    const c = new FakeModel("c", 6 * GB);
    const d = new FakeModel("d", 6 * GB);
    const [ha, hb, hc, hd] = [a, b, c, d].map((model) => manager.register(model));
    const jobs = [ha?.run("1"), ha?.run("2"), hb?.run("1"), hb?.run("2")];
    await settle();
    const waiting = [hc?.run("1"), hd?.run("1")];
    await settle();
    assert.deepEqual(manager.stats().pendingLoads, ["c", "d"]);
    // Both holders have queued work; as it drains, each waiting load is admitted in turn.
    for (let round = 0; round < 2; round++) {
      a.finishRun();
      b.finishRun();
      await settle();
    }
    c.finishRun();
    await settle();
    d.finishRun();
    assert.deepEqual(await Promise.all(waiting), ["c:1", "d:1"]);
    assert.deepEqual(await Promise.all(jobs), ["a:1", "a:2", "b:1", "b:2"]);
  });

  it("loads a model larger than the whole budget as its fallback, and refuses one without", async () => {
    const { manager, events } = setup({ budgetBytes: 10 * GB });
    const small = new FakeModel("ocr-small", 4 * GB);
    const huge = new FakeModel("ocr", 12 * GB, { fallback: small });
    const seen: JobEvent[] = [];
    const job = manager.register(huge).run("page", { onEvent: (event) => seen.push(event) });
    await settle();
    assert.equal(huge.loads.length, 0);
    assert.deepEqual(seen.slice(0, 2), [
      { type: "queued", position: 1 },
      { type: "loading", modelId: "ocr-small", fallback: true },
    ]);
    small.finishRun();
    assert.equal(await job, "ocr-small:page");
    const stats = statsOf(manager, "ocr");
    assert.equal(stats.variantId, "ocr-small");
    assert.equal(stats.fallbackActive, true);
    assert.ok(events.some((event) => event.type === "loaded" && event.fallback));

    const alone = manager.register(new FakeModel("giant", 11 * GB));
    await rejectsWith(alone.run("x"), "model.budget_exceeded");
  });

  it("falls back when the load fails with out-of-memory", async () => {
    const { manager } = setup({ isOutOfMemory: (error) => String(error).includes("VRAM") });
    const small = new FakeModel("chat-q4", 2 * GB);
    const big = new FakeModel("chat", 6 * GB, { manualLoad: true, fallback: small });
    const seen: JobEvent[] = [];
    const job = manager.register(big).run("hi", { onEvent: (event) => seen.push(event) });
    await settle();
    big.failLoad(new Error("no VRAM left"));
    await settle();
    small.finishRun();
    assert.equal(await job, "chat-q4:hi");
    assert.deepEqual(
      seen.filter((event) => event.type === "loading"),
      [
        { type: "loading", modelId: "chat", fallback: false },
        { type: "loading", modelId: "chat-q4", fallback: true },
      ],
    );
    assert.equal(manager.stats().inUseBytes, 2 * GB);
  });

  it("falls back on any load failure, remembers why, and skips the failed variant meanwhile", async () => {
    const { manager, clock } = setup({ retryFailedAfterMs: 600_000 });
    const small = new FakeModel("chat-small", 2 * GB, { manualLoad: true });
    const big = new FakeModel("chat", 6 * GB, { manualLoad: true, fallback: small });
    const chat = manager.register(big, { idleUnloadMs: 1_000 });
    const first = chat.run("a");
    await settle();
    big.failLoad(new Error("org/chat has no onnx/model_q4f16.onnx (HTTP 404)"));
    await settle();
    assert.equal(small.loads.length, 1, "the fallback is tried at once, not only on OOM");
    small.finishLoad();
    await settle();
    small.finishRun();
    assert.equal(await first, "chat-small:a");
    const stats = statsOf(manager, "chat");
    assert.equal(stats.variantId, "chat-small");
    assert.deepEqual(
      stats.unavailable.map(({ variantId, reason }) => ({ variantId, reason })),
      [{ variantId: "chat", reason: "org/chat has no onnx/model_q4f16.onnx (HTTP 404)" }],
    );

    // Unloaded when idle; the next request goes straight to the fallback.
    await clock.advance(1_000);
    await settle();
    const second = chat.run("b");
    await settle();
    assert.equal(big.loads.length, 1, "the failed variant is not retried while it rests");
    assert.equal(small.loads.length, 2);
    small.finishLoad();
    await settle();
    small.finishRun();
    assert.equal(await second, "chat-small:b");

    // After the rest the first choice is tried again (e.g. once the files were pulled).
    await clock.advance(600_000);
    await settle();
    const third = chat.run("c");
    await settle();
    assert.equal(big.loads.length, 2);
    big.finishLoad();
    await settle();
    big.finishRun();
    assert.equal(await third, "chat:c");
    assert.deepEqual(statsOf(manager, "chat").unavailable, []);
  });

  it("refuses with one load_failed error naming every variant's reason when none can load", async () => {
    const { manager } = setup();
    const small = new FakeModel("tts-q8", GB, { manualLoad: true });
    const big = new FakeModel("tts", 2 * GB, { manualLoad: true, fallback: small });
    const job = manager.register(big).run("hi");
    await settle();
    big.failLoad(new Error("CUDA session failed: libcudnn.so.9 not found"));
    await settle();
    small.failLoad(new Error("protobuf parsing failed"));
    const error = await rejectsWith(job, "model.load_failed");
    assert.match(
      (error as Error).message,
      /no variant of "tts" can load \(tts: CUDA session failed: libcudnn.so.9 not found; tts-q8: protobuf parsing failed\)/,
    );
  });

  it("shows the device the load reported and its note", async () => {
    const { manager } = setup();
    const model = new FakeModel("asr", 1 * GB, { manualLoad: true });
    const job = manager.register(model).run("x");
    await settle();
    model.finishLoad({ device: "cpu", note: "cuda provider missing, fell back to cpu" });
    await settle();
    const stats = statsOf(manager, "asr");
    assert.equal(stats.device, "cpu");
    assert.equal(stats.deviceNote, "cuda provider missing, fell back to cpu");
    model.finishRun();
    await job;
  });
});

describe("ModelManager queues", () => {
  it("runs jobs FIFO and reports positions as they improve", async () => {
    const { manager } = setup();
    const model = new FakeModel("chat", GB);
    const chat = manager.register(model);
    await manager.preload(["chat"]);
    const seen = new Map<string, JobEvent[]>();
    const jobs = ["1", "2", "3", "4"].map((input) => {
      seen.set(input, []);
      return chat.run(input, { onEvent: (event) => seen.get(input)?.push(event) });
    });
    await settle();
    assert.deepEqual(seen.get("1"), [{ type: "running", modelId: "chat" }]);
    assert.deepEqual(seen.get("3"), [{ type: "queued", position: 2 }]);
    assert.equal(statsOf(manager, "chat").queued, 3);
    model.finishRun();
    await settle();
    assert.deepEqual(seen.get("3"), [
      { type: "queued", position: 2 },
      { type: "queued", position: 1 },
    ]);
    assert.deepEqual(seen.get("4")?.at(-1), { type: "queued", position: 2 });
    for (let i = 0; i < 3; i++) {
      model.finishRun();
      await settle();
    }
    await Promise.all(jobs);
    assert.deepEqual(model.started, ["1", "2", "3", "4"]);
  });

  it("cancels a waiting job: it never runs and the jobs behind it move up", async () => {
    const { manager } = setup();
    const model = new FakeModel("chat", GB);
    const chat = manager.register(model);
    const controller = new AbortController();
    const last: JobEvent[] = [];
    const first = chat.run("1");
    const cancelled = chat.run("2", { signal: controller.signal });
    const third = chat.run("3", { onEvent: (event) => last.push(event) });
    await settle();
    controller.abort(new Error("user pressed cancel"));
    await rejectsWith(cancelled, "job.cancelled");
    assert.deepEqual(last.at(-1), { type: "queued", position: 1 });
    assert.equal(statsOf(manager, "chat").queued, 1);
    model.finishRun();
    await settle();
    model.finishRun();
    await Promise.all([first, third]);
    assert.deepEqual(model.started, ["1", "3"]);
    await rejectsWith(chat.run("4", { signal: AbortSignal.abort() }), "job.cancelled");
  });

  it("passes an abort of a running job to the model's signal", async () => {
    const { manager } = setup();
    const model = new FakeModel("asr", GB);
    const controller = new AbortController();
    const job = manager.register(model).run("long", { signal: controller.signal });
    await settle();
    const run = model.runs[0];
    assert.ok(run && !run.signal.aborted);
    controller.abort();
    assert.equal(run.signal.aborted, true);
    await rejectsWith(job, "job.cancelled");
    assert.equal(statsOf(manager, "asr").jobsFailed, 1);
  });

  it("refuses a job beyond maxQueue with model.busy", async () => {
    const { manager } = setup();
    const model = new FakeModel("ocr", GB);
    const ocr = manager.register(model, { maxQueue: 2 });
    await manager.preload(["ocr"]);
    // One running, two waiting: the waiting line is full.
    const accepted = [ocr.run("1"), ocr.run("2"), ocr.run("3")];
    await settle();
    await rejectsWith(ocr.run("4"), "model.busy");
    for (let i = 0; i < 3; i++) {
      model.finishRun();
      await settle();
    }
    await Promise.all(accepted);
  });
});

describe("ModelManager lines sized by bytes", () => {
  /** An ASR line that may hold 100 bytes of waiting input, each input's size its length. */
  async function byteLine() {
    const { manager } = setup();
    const model = new FakeModel("asr", GB, { task: "asr" });
    const asr = manager.register(model, {
      maxQueueBytes: 100,
      inputBytes: (input) => (input as string).length,
    });
    await manager.preload(["asr"]);
    return { manager, model, asr };
  }

  it("takes waiting jobs while their inputs fit and refuses the one that would pass the bytes", async () => {
    const { manager, model, asr } = await byteLine();
    const running = asr.run("r".repeat(500));
    await settle();
    const waiting = [asr.run("a".repeat(60)), asr.run("b".repeat(40))];
    await settle();
    assert.equal(statsOf(manager, "asr").queued, 2, "500 bytes running count for nothing");
    const refused = await rejectsWith(asr.run("c"), "model.busy");
    assert.equal((refused as { details?: { maxQueueBytes?: number } }).details?.maxQueueBytes, 100);
    model.finishRun();
    await settle();
    // "a" left the line to run: its 60 bytes are free again.
    const more = asr.run("d".repeat(60));
    await settle();
    await rejectsWith(asr.run("e"), "model.busy");
    while (model.runs.length > 0) {
      model.finishRun();
      await settle();
    }
    await Promise.all([running, ...waiting, more]);
  });

  it("lets one job larger than the whole allowance into an empty line, and frees a cancelled job's bytes", async () => {
    const { model, asr } = await byteLine();
    const running = asr.run("r");
    await settle();
    const cancel = new AbortController();
    const large = asr.run("x".repeat(300), { signal: cancel.signal });
    await rejectsWith(asr.run("y"), "model.busy");
    cancel.abort();
    await rejectsWith(large, "job.cancelled");
    const small = asr.run("z".repeat(100));
    await settle();
    model.finishRun();
    await settle();
    model.finishRun();
    await Promise.all([running, small]);
  });

  it("refuses a line given a byte allowance without a way to measure inputs", () => {
    const { manager } = setup();
    assert.throws(
      () => manager.register(new FakeModel("vad", GB), { maxQueueBytes: 100 }),
      /both maxQueueBytes and inputBytes/,
    );
  });
});

describe("ModelManager idle unload, preload and pinning", () => {
  it("unloads after the idle timeout counted from the end of the last job", async () => {
    const { manager, clock, events } = setup();
    const model = new FakeModel("tts", GB);
    const tts = manager.register(model, { idleUnloadMs: 1_000 });
    const job = tts.run("long text");
    await settle();
    await clock.advance(5_000);
    assert.equal(model.unloads, 0, "a running job is never idle");
    model.finishRun();
    await job;
    await clock.advance(999);
    assert.equal(statsOf(manager, "tts").state, "ready");
    assert.equal(statsOf(manager, "tts").idleMs, 999);
    await clock.advance(1);
    assert.equal(model.unloads, 1);
    assert.equal(statsOf(manager, "tts").state, "unloaded");
    const unloaded = events.find((event) => event.type === "unloaded");
    assert.equal(unloaded?.type === "unloaded" && unloaded.reason, "idle");
    assert.equal(manager.stats().inUseBytes, 0);
  });

  it("a new job resets the idle timer", async () => {
    const { manager, clock } = setup();
    const model = new FakeModel("tts", GB);
    const tts = manager.register(model, { idleUnloadMs: 1_000 });
    for (let i = 0; i < 3; i++) {
      const job = tts.run(String(i));
      await settle();
      model.finishRun();
      await job;
      await clock.advance(800);
    }
    assert.equal(model.unloads, 0);
    await clock.advance(200);
    assert.equal(model.unloads, 1);
  });

  it("keeps a model with idleUnloadMs 0 loaded", async () => {
    const { manager, clock } = setup();
    const model = new FakeModel("chat", GB);
    const job = manager.register(model, { idleUnloadMs: 0 }).run("x");
    await settle();
    model.finishRun();
    await job;
    await clock.advance(24 * 3_600_000);
    assert.equal(model.unloads, 0);
  });

  it("preloads models, never idle-unloads pinned ones, and evicts them only as a last resort", async () => {
    const { manager, clock } = setup({ budgetBytes: 10 * GB });
    const pinned = new FakeModel("pinned", 5 * GB);
    const other = new FakeModel("other", 3 * GB);
    manager.register(pinned, { pinned: true, idleUnloadMs: 1_000 });
    manager.register(other, { idleUnloadMs: 0 });
    await manager.preload(["pinned", "other"]);
    assert.equal(pinned.loads.length, 1);
    assert.equal(statsOf(manager, "pinned").pinned, true);
    await clock.advance(3_600_000);
    assert.equal(pinned.unloads, 0);

    // 2 GB free, 3 GB needed: the unpinned model goes even though it is the more recent.
    const medium = new FakeModel("medium", 5 * GB);
    const first = manager.register(medium).run("x");
    await settle();
    assert.deepEqual([pinned.unloads, other.unloads], [0, 1]);
    medium.finishRun();
    await first;
    // Nothing unpinned can free 8 GB: the pin gives way rather than starve the request.
    const large = new FakeModel("large", 8 * GB);
    const second = manager.register(large).run("y");
    await settle();
    assert.equal(pinned.unloads, 1);
    large.finishRun();
    await second;
    await rejectsWith(manager.preload(["nope"]), "model.missing");
  });
});

describe("ModelManager stats and events", () => {
  it("reports counts, load times, run-time percentiles and totals", async () => {
    const { manager, clock, events } = setup();
    const model = new FakeModel("ocr", 2 * GB, { manualLoad: true });
    const ocr = manager.register(model, { idleUnloadMs: 0 });
    const jobs: Promise<string>[] = [];
    for (let i = 1; i <= 20; i++) jobs.push(ocr.run(String(i)));
    await settle();
    await clock.advance(3_000);
    model.finishLoad();
    await settle();
    for (let i = 1; i <= 20; i++) {
      await clock.advance(i * 100);
      model.finishRun();
      await settle();
    }
    await Promise.all(jobs);
    const failing = ocr.run("bad");
    await settle();
    model.runs[0]?.done.reject(new Error("decoder crashed"));
    await assert.rejects(failing, /decoder crashed/);

    const stats = statsOf(manager, "ocr");
    assert.equal(stats.loads, 1);
    assert.equal(stats.lastLoadMs, 3_000);
    assert.equal(stats.avgLoadMs, 3_000);
    assert.equal(stats.jobsOk, 20);
    assert.equal(stats.jobsFailed, 1);
    assert.equal(stats.runP50Ms, 1_000);
    assert.equal(stats.runP95Ms, 1_900);
    assert.equal(stats.state, "ready");
    const totals = manager.stats();
    assert.equal(totals.budgetBytes, 16 * GB);
    assert.equal(totals.inUseBytes, 2 * GB);
    assert.equal(totals.peakBytes, 2 * GB);

    const loaded = events.find((event) => event.type === "loaded");
    assert.equal(loaded?.type === "loaded" && loaded.durationMs, 3_000);
    const done = events.filter((event) => event.type === "job_done");
    assert.equal(done.length, 21);
    assert.deepEqual(done[1] && { ...done[1] }, {
      type: "job_done",
      modelId: "ocr",
      variantId: "ocr",
      ok: true,
      workClass: "interactive",
      waitMs: 3_100,
      runMs: 200,
    });
  });

  it("keeps working when a listener or a progress callback throws", async () => {
    const { manager } = setup();
    manager.on(() => {
      throw new Error("metrics broke");
    });
    const model = new FakeModel("chat", GB);
    const job = manager.register(model).run("x", {
      onEvent: () => {
        throw new Error("telegram edit failed");
      },
    });
    await settle();
    model.finishRun();
    assert.equal(await job, "chat:x");
  });
});

describe("ModelManager shutdown", () => {
  it("refuses new work, rejects queued jobs, aborts running ones after the timeout, unloads all", async () => {
    const { manager, clock } = setup();
    const asr = new FakeModel("asr", GB);
    const chat = new FakeModel("chat", GB);
    const asrHandle = manager.register(asr);
    const chatHandle = manager.register(chat);
    const slow = rejectsWith(asrHandle.run("long"), "job.cancelled");
    const queued = asrHandle.run("next");
    const quick = chatHandle.run("hi");
    await settle();
    const stopped = manager.shutdown(10_000);
    await rejectsWith(queued, "model.shutting_down");
    await rejectsWith(chatHandle.run("late"), "model.shutting_down");
    chat.finishRun();
    assert.equal(await quick, "chat:hi");
    await clock.advance(9_999);
    assert.equal(asr.runs[0]?.signal.aborted, false);
    await clock.advance(1);
    assert.equal(asr.runs[0]?.signal.aborted, true);
    await slow;
    await stopped;
    assert.deepEqual([asr.unloads, chat.unloads], [1, 1]);
    assert.equal(manager.stats().inUseBytes, 0);
    assert.equal(manager.shutdown(0), stopped, "idempotent");
  });
});

describe("defaults", () => {
  it("budgets 16 GiB on CUDA and half of RAM on CPU", () => {
    assert.equal(defaultBudgetBytes("cuda", 8 * GB), 16 * GB);
    assert.equal(defaultBudgetBytes("cpu", 24 * GB), 12 * GB);
    assert.throws(() => defaultBudgetBytes("cpu", 0), RangeError);
  });

  it("recognises out-of-memory errors from the usual runtimes", () => {
    for (const message of [
      "CUDA out of memory. Tried to allocate 2.00 GiB",
      "std::bad_alloc",
      "CUDA_ERROR_OUT_OF_MEMORY",
      "Failed to allocate memory for requested buffer of size 1024",
      "OOM when allocating tensor",
    ]) {
      assert.equal(isOutOfMemoryError(new Error(message)), true, message);
    }
    assert.equal(isOutOfMemoryError(new Error("file not found")), false);
  });

  it("rejects invalid registrations", () => {
    const { manager } = setup();
    manager.register(new FakeModel("a", GB));
    assert.throws(() => manager.register(new FakeModel("a", GB)), /already registered/);
    assert.throws(() => manager.register(new FakeModel("b", GB), { concurrency: 0 }), RangeError);
    assert.throws(() => new ModelManager({ budgetBytes: 0, clock: new ManualClock() }), RangeError);
  });
});

describe("ModelManager.unload (a reload asked for)", () => {
  it("unloads an idle model, leaves a working or loading one alone, and the next job loads it afresh", async () => {
    const { manager, events } = setup();
    const model = new FakeModel("chat", 4 * GB, { manualLoad: true });
    const chat = manager.register(model);
    assert.equal(await manager.unload("chat"), "not_loaded");

    const first = chat.run("a");
    await settle();
    assert.equal(await manager.unload("chat"), "busy", "while loading");
    model.finishLoad();
    await settle();
    assert.equal(await manager.unload("chat"), "busy", "while running");
    const waiting = chat.run("b");
    model.finishRun();
    assert.equal(await first, "chat:a");
    await settle();
    assert.equal(await manager.unload("chat"), "busy", "with a job still to run");
    model.finishRun();
    assert.equal(await waiting, "chat:b");

    assert.equal(await manager.unload("chat"), "unloaded");
    assert.equal(model.unloads, 1);
    assert.equal(statsOf(manager, "chat").state, "unloaded");
    assert.equal(manager.stats().inUseBytes, 0);
    assert.ok(events.some((event) => event.type === "unloaded" && event.reason === "requested"));

    const again = chat.run("c");
    await settle();
    assert.equal(model.loads.length, 2, "loaded afresh");
    model.finishLoad();
    await settle();
    model.finishRun();
    assert.equal(await again, "chat:c");
    await rejectsWith(manager.unload("nope"), "model.missing");
  });
});
