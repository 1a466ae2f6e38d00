/**
 * Turns on the shared thread: models registered with `sharesThread` run one piece at a time
 * between them, interactive work first, aged batch work a share of the time; a model that
 * computes elsewhere runs beside them. On the injected clock, runs finished by hand.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { JobEvent, ModelHandle, WorkClass } from "../../src/models/contract.js";
import { ThreadTurns } from "../../src/models/manager/thread-turns.js";
import { settle } from "../../src/shared/clock.js";
import { FakeModel, GB } from "./fake-model.js";
import { setup } from "./support/manager-setup.js";

/** Chat and Whisper on the shared thread, OCR in processes of its own. */
async function threeModels() {
  const context = setup({ batchAgingMs: 20_000 });
  const { manager } = context;
  const chat = new FakeModel("chat", GB);
  const asr = new FakeModel("asr", GB, { task: "asr" });
  const ocr = new FakeModel("ocr", GB, { task: "ocr" });
  const handles = {
    chat: manager.register(chat, { sharesThread: true }),
    asr: manager.register(asr, { sharesThread: true }),
    ocr: manager.register(ocr, { concurrency: 2 }),
  };
  await manager.preload(["chat", "asr", "ocr"]);
  const submit = (
    handle: ModelHandle<string, string>,
    input: string,
    owner: string,
    workClass: WorkClass,
    signal?: AbortSignal,
  ) => {
    const result = handle.run(input, { owner, workClass, ...(signal ? { signal } : {}) });
    // Outcomes don't matter here, only the order runs start in; none may go unhandled.
    result.catch(() => undefined);
  };
  /** Inputs in the order they started, whichever model ran them. */
  const order: string[] = [];
  for (const model of [chat, asr]) {
    const run = model.run.bind(model);
    model.run = (input, signal) => {
      order.push(input);
      return run(input, signal);
    };
  }
  const running = () => chat.runs.length + asr.runs.length;
  return { ...context, chat, asr, ocr, handles, submit, order, running };
}

describe("ModelManager turns on the shared thread", () => {
  it("runs one piece at a time between models and puts an interactive piece before batch pieces of another model", async () => {
    const { chat, asr, ocr, handles, submit, order, running } = await threeModels();
    submit(handles.asr, "window1", "tg:1", "batch");
    submit(handles.asr, "window2", "tg:1", "batch");
    submit(handles.asr, "window3", "tg:1", "batch");
    await settle();
    assert.deepEqual(order, ["window1"]);
    submit(handles.chat, "question", "tg:2", "interactive");
    submit(handles.ocr, "page1", "tg:1", "batch");
    submit(handles.ocr, "page2", "tg:1", "batch");
    await settle();
    assert.equal(running(), 1, "the question waits for the window on the thread");
    assert.deepEqual(ocr.started, ["page1", "page2"], "OCR runs elsewhere, beside the thread");
    asr.finishRun();
    await settle();
    assert.deepEqual(order, ["window1", "question"], "ahead of window2, another model's batch");
    assert.equal(running(), 1);
    chat.finishRun();
    await settle();
    asr.finishRun();
    await settle();
    asr.finishRun();
    await settle();
    assert.deepEqual(order, ["window1", "question", "window2", "window3"]);
    assert.equal(running(), 0);
  });

  it("gives batch work that waited batchAgingMs a quarter of the thread against another model's questions", async () => {
    const { chat, asr, clock, handles, submit, order, running } = await threeModels();
    submit(handles.chat, "q0", "tg:0", "interactive");
    submit(handles.asr, "window1", "tg:1", "batch");
    submit(handles.asr, "window2", "tg:1", "batch");
    const questions = Array.from({ length: 12 }, (_, i) => `q${i + 1}`);
    for (const question of questions)
      submit(handles.chat, question, `tg:${question}`, "interactive");
    await settle();
    // Not aged: questions go first.
    await clock.advance(19_999);
    chat.finishRun();
    await settle();
    assert.equal(order.at(-1), "q1");
    // Aged: window1 goes and runs 300 ms, then 900 ms of questions before window2.
    await clock.advance(1);
    chat.finishRun();
    await settle();
    assert.equal(order.at(-1), "window1");
    await clock.advance(300);
    asr.finishRun();
    await settle();
    while (running() > 0) {
      await clock.advance(100);
      if (chat.runs.length > 0) chat.finishRun();
      else asr.finishRun();
      await settle();
    }
    assert.deepEqual(order, [
      ...["q0", "q1", "window1"],
      ...questions.slice(1, 10),
      ...["window2", "q11", "q12"],
    ]);
  });

  it("gives the turn to the model whose next piece has waited longest, however many turns it had", async () => {
    const { chat, asr, clock, handles, submit, order, running } = await threeModels();
    submit(handles.chat, "running", "tg:0", "interactive");
    submit(handles.chat, "q1", "tg:1", "interactive");
    await clock.advance(5_000);
    submit(handles.asr, "voice", "tg:2", "interactive");
    submit(handles.chat, "q2", "tg:3", "interactive");
    await settle();
    while (running() > 0) {
      if (chat.runs.length > 0) chat.finishRun();
      else asr.finishRun();
      await settle();
    }
    // Not chat and Whisper in turn (running, voice, q1, q2): q1 has waited 5 s longer.
    assert.deepEqual(order, ["running", "q1", "voice", "q2"]);
  });

  it("asks for the thread with the class of the piece a model has left when one is cancelled", async () => {
    const { chat, asr, handles, submit, order, running } = await threeModels();
    submit(handles.asr, "window", "tg:1", "batch");
    const cancel = new AbortController();
    submit(handles.chat, "question", "tg:2", "interactive", cancel.signal);
    submit(handles.chat, "page", "tg:3", "batch");
    submit(handles.asr, "voice", "tg:4", "interactive");
    await settle();
    cancel.abort();
    await settle();
    // Chat now has only a batch piece: the voice note, interactive, goes first.
    asr.finishRun();
    await settle();
    while (running() > 0) {
      if (chat.runs.length > 0) chat.finishRun();
      else asr.finishRun();
      await settle();
    }
    assert.deepEqual(order, ["window", "voice", "page"]);
  });

  it("tells a job its place in line when its model is free but another model holds the thread", async () => {
    const { chat, asr, handles, submit, order } = await threeModels();
    submit(handles.asr, "window", "tg:1", "batch");
    await settle();
    const events: JobEvent[] = [];
    const answer = handles.chat.run("question", {
      owner: "tg:2",
      onEvent: (event) => events.push(event),
    });
    await settle();
    assert.deepEqual(events, [{ type: "queued", position: 1 }]);
    asr.finishRun();
    await settle();
    assert.deepEqual(order, ["window", "question"]);
    chat.finishRun();
    await answer;
    assert.deepEqual(
      events.filter((event) => event.type === "queued"),
      [{ type: "queued", position: 1 }],
      "told once",
    );
  });
});

describe("ThreadTurns", () => {
  const model = (id: string) => ({ id });

  it("keeps a model's place while it asks for the same class and moves it when the class changes", () => {
    const turns = new ThreadTurns<{ id: string }>(20_000);
    const [a, b, c] = [model("a"), model("b"), model("c")];
    turns.want(a, { workClass: "batch", enqueuedAt: 0 });
    turns.want(b, { workClass: "batch", enqueuedAt: 0 });
    turns.want(c, { workClass: "interactive", enqueuedAt: 0 });
    turns.want(a, { workClass: "batch", enqueuedAt: 5 });
    assert.equal(turns.take(10), c);
    assert.equal(turns.take(10), undefined, "one piece at a time");
    turns.release(c, 5);
    turns.want(b, { workClass: "interactive", enqueuedAt: 10 });
    assert.equal(turns.take(10), b);
    turns.release(b, 5);
    turns.want(b, undefined);
    assert.equal(turns.take(10), a);
    turns.release(a, undefined);
    assert.equal(turns.take(10), undefined, "nothing waits");
  });
});
