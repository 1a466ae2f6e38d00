/**
 * The bot's remote handles and a worker, in this process, over a private real Redis: what
 * a service sees through a remote handle is what it sees through the manager's (result,
 * job events, chat text as generated, error codes), a cancel reaches the job's signal on
 * the worker, and a job without a worker or too big for Redis gets a clear error at once.
 * The bot's fair line holds one owner's flood back from another owner's question across
 * two workers.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { ClusterWorker, type ModelKind, type RemoteModels } from "../../src/cluster/index.js";
import type { ClusterConfig } from "../../src/config/index.js";
import { fitConversation, type ConversationToFit } from "../../src/models/adapters/chat-context.js";
import type { ChatRequest, ChatResult } from "../../src/models/adapters/chat-qwen.js";
import type { JobEvent, ManagedModel, ModelTask, RunOptions } from "../../src/models/contract.js";
import { ModelManager } from "../../src/models/manager/index.js";
import { systemClock } from "../../src/shared/clock.js";
import { AppError, cancelledError, InputError } from "../../src/shared/errors.js";
import { RedisServer } from "../support/redis-server.js";
import { testRemoteModels } from "../support/remote-models.js";

const logger = pino({ level: "silent" });

/** Quick heartbeats and stalled-job checks, so a worker's coming and going shows soon. */
const testSettings = (redisUrl: string, prefix: string): ClusterConfig & { redisUrl: string } => ({
  role: "bot",
  redisUrl,
  workerModels: [],
  prefix,
  lockDurationMs: 1_500,
  stalledIntervalMs: 500,
  maxAttempts: 2,
  heartbeatMs: 200,
  maxPayloadBytes: 64 * 1024,
});

/** Resolves the next time `fire` is called. */
function signal<T = void>(): { promise: Promise<T>; fire: (value: T) => void } {
  let fire!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (fire = resolve));
  return { promise, fire };
}

class FakeModel implements ManagedModel {
  readonly device = "cpu" as const;
  readonly estimatedBytes = 1_000;
  started = signal<string>();
  aborted = signal<unknown>();
  constructor(
    readonly id: string,
    readonly task: ModelTask,
    private readonly behave: (input: unknown, signal: AbortSignal) => Promise<unknown>,
  ) {}
  async load() {
    return { device: "cpu" as const };
  }
  async unload() {}
  run(input: unknown, abort: AbortSignal): Promise<unknown> {
    abort.addEventListener("abort", () => this.aborted.fire(abort.reason), { once: true });
    return this.behave(input, abort);
  }
}

describe("cluster: remote handles and a worker over Redis", () => {
  let redis: RedisServer;
  let remote: RemoteModels;
  let worker: ClusterWorker | undefined;
  let settings: ClusterConfig & { redisUrl: string };

  /** What the fake chat model was asked: the conversation as it crossed Redis. */
  const chatAsked: ChatRequest["messages"][] = [];
  const chat = new FakeModel("chat", "chat", async (input) => {
    const request = input as ChatRequest;
    chatAsked.push(request.messages);
    const { messages, historyTurns } = fitConversation({
      ...(request.messages as ConversationToFit),
      countTokens: (text) => text.length,
    });
    for (const piece of ["Hel", "lo ", messages.at(-1)!.content]) request.onText?.(piece);
    return { text: "done", generatedTokens: 3, promptTokens: 7, truncated: false, historyTurns };
  });
  const asr = new FakeModel("asr", "asr", async (input) => {
    const { samples } = input as { samples: Float32Array };
    if (samples.length === 0) throw new InputError("audio.empty", "silent", {});
    return { sum: samples.reduce((a, b) => a + b, 0) };
  });
  const ocr = new FakeModel("ocr", "ocr", (_input, abort) => {
    ocr.started.fire("running");
    return new Promise((_, reject) =>
      abort.addEventListener("abort", () => reject(cancelledError(abort.reason)), { once: true }),
    );
  });

  const startWorker = async (kinds: ModelKind[], id = "test-worker") => {
    const manager = new ModelManager({ budgetBytes: 1e6, clock: systemClock, logger });
    const handles = Object.fromEntries(
      [chat, asr, ocr].map((model) => [model.id, manager.register(model, { idleUnloadMs: 0 })]),
    );
    worker = new ClusterWorker({
      settings,
      id,
      kinds,
      handles,
      stats: () => manager.stats(),
      logger,
      clock: systemClock,
    });
    await worker.start(10_000);
  };

  before(async () => {
    redis = await RedisServer.start();
    settings = testSettings(redis.url, "t");
    remote = testRemoteModels(settings);
    await remote.start(10_000);
  });

  after(async () => {
    await worker?.stop(1_000);
    await remote?.shutdown();
    await redis?.stop();
  });

  it("refuses at once a kind no worker serves", async () => {
    await assert.rejects(
      remote.handle("tts-ru").run("hi"),
      (error: unknown) => error instanceof AppError && error.code === "cluster.no_worker",
    );
  });

  it("streams chat text and job events back, then the result", async () => {
    await startWorker(["chat", "asr", "ocr"]);
    const pieces: string[] = [];
    const events: JobEvent[] = [];
    const conversation: ConversationToFit = {
      systemPrompt: "Be brief.",
      history: [
        { role: "user", text: "an old question, long enough to be left out" },
        { role: "assistant", text: "its answer" },
        { role: "user", text: "hi" },
        { role: "assistant", text: "hello" },
      ],
      message: "world",
      budgetTokens: 40,
    };
    const result = await remote.handle<ChatRequest, ChatResult>("chat").run(
      {
        messages: conversation,
        settings: { maxNewTokens: 8, temperature: 0, topP: 1, repetitionPenalty: 1 },
        onText: (piece) => pieces.push(piece),
      },
      { onEvent: (event) => events.push(event) },
    );
    assert.deepEqual(result, {
      text: "done",
      generatedTokens: 3,
      promptTokens: 7,
      truncated: false,
      historyTurns: 2,
    });
    assert.deepEqual(pieces, ["Hel", "lo ", "world"]);
    assert.deepEqual(chatAsked.at(-1), conversation, "fitted on the worker, with its tokenizer");
    assert.ok(
      events.some((event) => event.type === "running"),
      JSON.stringify(events),
    );
  });

  it("carries PCM in and an error code out", async () => {
    const handle = remote.handle<{ samples: Float32Array }, { sum: number }>("asr");
    assert.deepEqual(await handle.run({ samples: new Float32Array([0.5, 0.25]) }), { sum: 0.75 });
    await assert.rejects(
      handle.run({ samples: new Float32Array(0) }),
      (error: unknown) => error instanceof AppError && error.code === "audio.empty",
    );
  });

  it("refuses an input above the payload limit", async () => {
    await assert.rejects(
      remote.handle("asr").run({ samples: new Float32Array(64 * 1024) }),
      (error: unknown) => error instanceof AppError && error.code === "input.too_large",
    );
  });

  it("a cancel reaches the job's signal on the worker", async () => {
    const controller = new AbortController();
    const job = remote.handle("ocr").run(
      { image: new Uint8Array([1]) },
      {
        signal: controller.signal,
      },
    );
    await ocr.started.promise;
    controller.abort(new Error("user pressed cancel"));
    await assert.rejects(
      job,
      (error: unknown) => error instanceof AppError && error.code === "job.cancelled",
    );
    await ocr.aborted.promise;
  });

  it("a waiting job hears its place in line", async () => {
    const controllers = [1, 2, 3].map(() => new AbortController());
    const positions: number[][] = [[], [], []];
    const heard = signal();
    const heardRunning = signal();
    const run = (index: number) =>
      remote
        .handle("ocr")
        .run(
          { image: new Uint8Array([index]) },
          {
            signal: controllers[index]!.signal,
            onEvent: (event) => {
              if (event.type === "running" && index === 0) heardRunning.fire();
              if (event.type !== "queued") return;
              positions[index]!.push(event.position);
              if (index === 2) heard.fire();
            },
          },
        )
        .catch(() => undefined);
    const first = run(0);
    await heardRunning.promise; // the worker's one OCR slot is taken, as the bot knows
    const second = run(1);
    const third = run(2);
    await heard.promise;
    assert.deepEqual(positions[2], [2], "second in line behind the other waiting job");
    // The waiting ones leave the line first, so none of them starts.
    for (const index of [2, 1, 0]) controllers[index]!.abort(new Error("done"));
    await Promise.all([first, second, third]);
  });

  it("a worker stopping with a job running hands it to another; then no worker serves", async () => {
    ocr.started = signal<string>();
    const controller = new AbortController();
    const job = remote
      .handle("ocr")
      .run({ image: new Uint8Array([2]) }, { signal: controller.signal });
    await ocr.started.promise;
    const first = worker!;
    await startWorker(["ocr"], "backup");
    ocr.started = signal<string>();
    await first.stop(0);
    await ocr.started.promise; // the job runs again, on the backup worker
    controller.abort(new Error("enough"));
    await assert.rejects(
      job,
      (error: unknown) => error instanceof AppError && error.code === "job.cancelled",
    );
    await worker!.stop(1_000);
    worker = undefined;
    await assert.rejects(
      remote.handle("ocr").run({ image: new Uint8Array([3]) }),
      (error: unknown) => error instanceof AppError && error.code === "cluster.no_worker",
    );
  });

  it("jobs waiting in the bot's line fail with cluster.no_worker when the last worker goes", async () => {
    await startWorker(["ocr"], "lone");
    const queued = signal<number>();
    const isNoWorker = (error: unknown) =>
      error instanceof AppError && error.code === "cluster.no_worker";
    // The bot hears "running" after BullMQ's "active" for the job (one event stream), so by
    // then it knows nothing of this kind waits in Redis; the worker's model starting may come
    // sooner.
    const heardRunning = signal<void>();
    const running = remote
      .handle("ocr")
      .run(
        { image: new Uint8Array([4]) },
        { onEvent: (event) => event.type === "running" && heardRunning.fire() },
      );
    await heardRunning.promise;
    const waiting = remote
      .handle("ocr")
      .run(
        { image: new Uint8Array([5]) },
        { onEvent: (event) => event.type === "queued" && queued.fire(event.position) },
      );
    assert.equal(await queued.promise, 1, "next in the bot's line, nothing ahead in Redis");
    await worker!.stop(0);
    worker = undefined;
    await assert.rejects(waiting, isNoWorker);
    await assert.rejects(running, isNoWorker);
  });
});

describe("cluster: the bot's fair line in front of two workers", () => {
  /** Jobs the two workers can run at once (one OCR slot each). */
  const CAPACITY = 2;
  let redis: RedisServer;
  let remote: RemoteModels;
  const workers: ClusterWorker[] = [];
  /** Each job's tag, as the workers' models start them. */
  const started: string[] = [];

  before(async () => {
    redis = await RedisServer.start();
    const settings = testSettings(redis.url, "fair");
    remote = testRemoteModels(settings, {
      lineSize: () => ({ maxQueue: 100 }),
      maxPerOwner: 20,
      batchAgingMs: 60_000,
    });
    await remote.start(10_000);
    for (const id of ["w1", "w2"]) {
      const manager = new ModelManager({ budgetBytes: 1e6, clock: systemClock, logger });
      const model = new FakeModel("ocr", "ocr", async (input) => {
        const { tag } = input as { tag: string };
        started.push(tag);
        await new Promise(setImmediate);
        return tag;
      });
      const worker = new ClusterWorker({
        settings,
        id,
        kinds: ["ocr"],
        handles: { ocr: manager.register(model, { idleUnloadMs: 0 }) },
        stats: () => manager.stats(),
        logger,
        clock: systemClock,
      });
      await worker.start(10_000);
      workers.push(worker);
    }
  });

  after(async () => {
    await Promise.all(workers.map((worker) => worker.stop(1_000)));
    await remote?.shutdown();
    await redis?.stop();
  });

  it("one owner's flood of batch pieces holds another's question back by at most capacity + 1 pieces", async () => {
    const ocr = remote.handle<{ tag: string }, string>("ocr");
    const done: string[] = [];
    const submit = (tag: string, options: RunOptions) =>
      ocr.run({ tag }, options).then((result) => {
        done.push(result);
      });
    const flood = Array.from({ length: 20 }, (_, i) =>
      submit(`a${i + 1}`, { owner: "tg:1", workClass: "batch" }),
    );
    const overCap = submit("a21", { owner: "tg:1", workClass: "batch" });
    const question = submit("b", { owner: "tg:2", workClass: "interactive" });
    await assert.rejects(
      overCap,
      (error: unknown) => error instanceof AppError && error.code === "owner.busy",
    );
    await Promise.all([...flood, question]);
    const expected = [...Array.from({ length: 20 }, (_, i) => `a${i + 1}`), "b"];
    assert.deepEqual([...done].sort(), expected.sort(), "every result arrived whole");
    assert.ok(done.indexOf("b") <= CAPACITY + 1, `B's question came after ${done.join(" ")}`);
    // A's pieces start in A's order; two handed out together may start in either order.
    const pieces = started.filter((tag) => tag.startsWith("a")).map((tag) => Number(tag.slice(1)));
    assert.equal(pieces.length, 20);
    pieces.forEach((piece, index) =>
      assert.ok(Math.abs(piece - (index + 1)) < CAPACITY, `A's pieces ran as ${pieces.join(" ")}`),
    );
  });
});
