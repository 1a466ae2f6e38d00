/**
 * The manager's fair line per model: turns between owners, each owner's order, interactive
 * ahead of batch with aging on the injected clock, the per-owner cap, cancels, true places
 * in line and the line's stats. No sleeps: the fakes' runs are finished by hand.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { JobEvent, ModelHandle, WorkClass } from "../../src/models/contract.js";
import { hashOwner } from "../../src/models/scheduler/index.js";
import { settle } from "../../src/shared/clock.js";
import { FakeModel, GB } from "./fake-model.js";
import { rejectsWith, setup, statsOf } from "./support/manager-setup.js";

/** Submits named jobs and records each one's events and outcome. */
function submitter(handle: ModelHandle<string, string>) {
  const events = new Map<string, JobEvent[]>();
  const results = new Map<string, Promise<string>>();
  const submit = (
    name: string,
    owner: string,
    workClass: WorkClass = "interactive",
    signal?: AbortSignal,
  ) => {
    events.set(name, []);
    const result = handle.run(name, {
      owner,
      workClass,
      onEvent: (event) => events.get(name)?.push(event),
      ...(signal ? { signal } : {}),
    });
    // Outcomes are asserted where they matter; none may go unhandled meanwhile.
    result.catch(() => undefined);
    results.set(name, result);
    return result;
  };
  /** The positions a job was told, in order. */
  const positions = (name: string) =>
    (events.get(name) ?? []).flatMap((event) => (event.type === "queued" ? [event.position] : []));
  return { submit, positions, results };
}

/** Finishes the oldest run and lets the manager start the next job. */
async function finishOne(model: FakeModel): Promise<void> {
  model.finishRun();
  await settle();
}

async function readyChat(options: Parameters<ReturnType<typeof setup>["manager"]["register"]>[1]) {
  const context = setup({ batchAgingMs: 20_000 });
  const model = new FakeModel("chat", GB);
  const handle = context.manager.register(model, options);
  await context.manager.preload(["chat"]);
  return { ...context, model, handle, ...submitter(handle) };
}

describe("ModelManager fair lines", () => {
  it("costs a second owner at most one piece of the first owner's backlog", async () => {
    const { model, submit, positions, manager } = await readyChat({});
    for (let i = 0; i <= 10; i++) void submit(`a${i}`, "tg:1");
    await settle();
    assert.deepEqual(positions("a2"), [2]);
    void submit("b1", "tg:2");
    await settle();
    assert.deepEqual(positions("b1"), [2], "behind a1 only");
    assert.deepEqual(positions("a2"), [2, 3], "a place may get worse: b1 came in ahead");
    assert.deepEqual(positions("a10"), [10, 11]);
    while (model.runs.length > 0) await finishOne(model);
    assert.deepEqual(model.started, [
      "a0",
      "a1",
      "b1",
      ...[2, 3, 4, 5, 6, 7, 8, 9, 10].map((i) => `a${i}`),
    ]);
    assert.deepEqual(positions("a10"), [10, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    assert.equal(statsOf(manager, "chat").queued, 0);
  });

  it("keeps each owner's own jobs in order while owners take turns", async () => {
    const { model, submit } = await readyChat({});
    void submit("x", "tg:9");
    for (const name of ["a1", "b1", "a2", "a3", "b2", "c1"]) void submit(name, `tg:${name[0]}`);
    await settle();
    while (model.runs.length > 0) await finishOne(model);
    assert.deepEqual(model.started, ["x", "a1", "b1", "c1", "a2", "b2", "a3"]);
  });

  it("runs interactive work before waiting batch work and tells the batch pieces they moved back", async () => {
    const { model, submit, positions } = await readyChat({});
    void submit("running", "tg:1", "batch");
    void submit("page2", "tg:1", "batch");
    void submit("page3", "tg:1", "batch");
    await settle();
    void submit("question", "tg:2", "interactive");
    await settle();
    assert.deepEqual(positions("question"), [1]);
    assert.deepEqual(positions("page2"), [1, 2]);
    assert.deepEqual(positions("page3"), [2, 3]);
    while (model.runs.length > 0) await finishOne(model);
    assert.deepEqual(model.started, ["running", "question", "page2", "page3"]);
  });

  it("lets batch work that waited batchAgingMs take a quarter of the model's time", async () => {
    const { model, submit, clock } = await readyChat({});
    void submit("running", "tg:0");
    void submit("page1", "tg:1", "batch");
    void submit("page2", "tg:1", "batch");
    await clock.advance(5_000);
    const questions = Array.from({ length: 11 }, (_, i) => `q${i + 2}`);
    for (const question of questions) void submit(question, `tg:${question}`);
    await settle();
    // 19.999 s after the pages came: not aged yet, the first question goes.
    await clock.advance(14_999);
    await finishOne(model);
    assert.equal(model.started.at(-1), "q2");
    // 20 s: the pages have aged; page1 goes and runs 300 ms: 900 ms of questions before page2.
    await clock.advance(1);
    await finishOne(model);
    assert.equal(model.started.at(-1), "page1");
    await clock.advance(300);
    await finishOne(model);
    for (let question = 3; question <= 11; question++) {
      await clock.advance(100);
      await finishOne(model);
    }
    while (model.runs.length > 0) await finishOne(model);
    assert.deepEqual(model.started, [
      ...["running", "q2", "page1"],
      ...questions.slice(1, 10),
      ...["page2", "q12"],
    ]);
  });

  it("refuses one more waiting piece than maxPerOwner with owner.busy, for that owner only", async () => {
    const { model, handle, submit, results } = await readyChat({ maxPerOwner: 2 });
    for (const name of ["a0", "a1", "a2"]) void submit(name, "tg:1");
    await settle();
    const refused = await rejectsWith(submit("a3", "tg:1"), "owner.busy");
    assert.deepEqual((refused as { details: unknown }).details, {
      modelId: "chat",
      maxPerOwner: 2,
    });
    void submit("b1", "tg:2");
    void submit("b2", "tg:2");
    // Work without an owner (start-up checks) is bounded by maxQueue only.
    const anonymous = ["n1", "n2", "n3"].map((name) => handle.run(name));
    await finishOne(model);
    // a0 is done and a1 runs: tg:1 has one piece waiting and may add one.
    void submit("a3", "tg:1");
    await settle();
    while (model.runs.length > 0) await finishOne(model);
    assert.deepEqual(model.started, ["a0", "a1", "b1", "n1", "a2", "b2", "n2", "a3", "n3"]);
    assert.deepEqual(await Promise.all(["a3", "b2"].map((name) => results.get(name))), [
      "chat:a3",
      "chat:b2",
    ]);
    assert.deepEqual(await Promise.all(anonymous), ["chat:n1", "chat:n2", "chat:n3"]);
  });

  it("cancels a waiting piece: it never runs and the pieces behind it move up", async () => {
    const { model, submit, positions, results, manager } = await readyChat({});
    const cancel = new AbortController();
    void submit("a0", "tg:1");
    void submit("a1", "tg:1");
    void submit("b1", "tg:2", "interactive", cancel.signal);
    void submit("a2", "tg:1");
    void submit("c1", "tg:3");
    await settle();
    assert.deepEqual(
      [positions("a1"), positions("b1"), positions("c1"), positions("a2")],
      [[1], [2], [3], [3, 4]],
    );
    cancel.abort(new Error("user pressed cancel"));
    await rejectsWith(results.get("b1")!, "job.cancelled");
    assert.deepEqual([positions("a1"), positions("c1"), positions("a2")], [[1], [3, 2], [3, 4, 3]]);
    assert.equal(statsOf(manager, "chat").queued, 3);
    while (model.runs.length > 0) await finishOne(model);
    assert.deepEqual(model.started, ["a0", "a1", "c1", "a2"]);
  });

  it("cancels a running piece through its signal and starts the next owner's turn", async () => {
    const { model, submit, results } = await readyChat({});
    const cancel = new AbortController();
    void submit("a0", "tg:1", "batch", cancel.signal);
    void submit("a1", "tg:1", "batch");
    void submit("b1", "tg:2", "batch");
    await settle();
    const running = model.runs[0];
    assert.equal(running?.input, "a0");
    cancel.abort();
    assert.equal(running.signal.aborted, true);
    await rejectsWith(results.get("a0")!, "job.cancelled");
    await settle();
    assert.deepEqual(model.started, ["a0", "a1"]);
    while (model.runs.length > 0) await finishOne(model);
    assert.deepEqual(model.started, ["a0", "a1", "b1"]);
  });

  it("reports the line per class with the busiest owners hashed, and each job's class when done", async () => {
    const { model, submit, clock, manager, events } = await readyChat({});
    void submit("running", "tg:1");
    void submit("p1", "tg:1", "batch");
    void submit("p2", "tg:1", "batch");
    await clock.advance(3_000);
    void submit("q1", "tg:2");
    await clock.advance(1_000);
    assert.deepEqual(statsOf(manager, "chat").line, {
      classes: {
        interactive: { waiting: 1, oldestWaitMs: 1_000 },
        batch: { waiting: 2, oldestWaitMs: 4_000 },
      },
      topOwners: [
        { owner: hashOwner("tg:1"), waiting: 2, oldestWaitMs: 4_000 },
        { owner: hashOwner("tg:2"), waiting: 1, oldestWaitMs: 1_000 },
      ],
    });
    while (model.runs.length > 0) await finishOne(model);
    const done = events.flatMap((event) =>
      event.type === "job_done" ? [[event.workClass, event.waitMs]] : [],
    );
    assert.deepEqual(done, [
      ["interactive", 0],
      ["interactive", 1_000],
      ["batch", 4_000],
      ["batch", 4_000],
    ]);
    assert.deepEqual(statsOf(manager, "chat").line?.topOwners, []);
  });

  it("rejects waiting pieces of every owner at shutdown", async () => {
    const { submit, results, manager, model } = await readyChat({});
    void submit("a0", "tg:1");
    void submit("a1", "tg:1", "batch");
    void submit("b1", "tg:2");
    await settle();
    const stopped = manager.shutdown(1_000);
    await rejectsWith(results.get("a1")!, "model.shutting_down");
    await rejectsWith(results.get("b1")!, "model.shutting_down");
    model.finishRun();
    assert.equal(await results.get("a0"), "chat:a0");
    await stopped;
    assert.deepEqual(model.started, ["a0"]);
  });
});
