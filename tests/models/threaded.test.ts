/**
 * Models in worker threads of their own (src/models/threaded), with the fixture profile's
 * real models: the same results as in this thread, callbacks and errors that cross back,
 * cancellation, and a thread that can't start.
 */
import assert from "node:assert/strict";
import os from "node:os";
import { after, before, describe, it } from "node:test";
import { threadId } from "node:worker_threads";
import pino from "pino";
import type { AsrInput, AsrResult } from "../../src/models/adapters/asr-whisper.js";
import type { Pcm } from "../../src/media/audio-pcm.js";
import { PROFILES, fixtureModelsDir } from "../../src/models/catalogue/profiles.js";
import { resolveProfile } from "../../src/models/catalogue/index.js";
import type { ManagedModel } from "../../src/models/contract.js";
import { createKindModel } from "../../src/models/kinds/adapters.js";
import { configureRuntime } from "../../src/models/runtime/environment.js";
import {
  THREAD_BYTES,
  ThreadedModel,
  ownBuffer,
  type ThreadRecipe,
} from "../../src/models/threaded/index.js";
import { systemClock } from "../../src/shared/clock.js";
import { BACKGROUND_NICENESS } from "../../src/shared/priority.js";
import { nicenessOfThreadsStartedBy } from "../support/thread-niceness.js";
import { type AppError, ModelError } from "../../src/shared/errors.js";

const logger = pino({ level: "silent" });
const SENTENCE = "The quick brown fox jumps over the lazy dog.";

describe("ThreadedModel with the fixture models", () => {
  const runtime = configureRuntime({
    modelsDir: fixtureModelsDir,
    allowRemoteModels: false,
    logger,
  });
  const profile = resolveProfile("fixture", {}, { cudaAvailable: false });
  const deps = { runtime, logger, clock: systemClock };
  const recipe = (
    kind: ThreadRecipe["kind"],
    priority: ThreadRecipe["priority"] = "background",
  ): ThreadRecipe => ({
    kind,
    depth: 0,
    profile,
    runtime,
    priority,
    log: { level: "silent", format: "json" },
  });
  const inHere = createKindModel("tts-en", profile, deps) as ManagedModel<string, Pcm>;
  const voice = new ThreadedModel(inHere, recipe("tts-en"), logger);
  const asr = new ThreadedModel(
    createKindModel("asr", profile, deps) as ManagedModel<AsrInput, AsrResult>,
    recipe("asr"),
    logger,
  );
  const signal = new AbortController().signal;

  before(async () => {
    await Promise.all([inHere.load(), voice.load(), asr.load()]);
  });
  after(async () => {
    await Promise.all([inHere.unload(), voice.unload(), asr.unload()]);
  });

  it("describes itself as the model it runs, fallback chain included", () => {
    assert.equal(voice.id, "tts-en");
    assert.equal(voice.estimatedBytes, inHere.estimatedBytes + THREAD_BYTES, "the thread counted");
    assert.equal(voice.device, "cpu");
    assert.equal(PROFILES.fixture.models.asr.fallback === undefined, asr.fallback === undefined);
  });

  it("answers what the model answers in this thread", async () => {
    const there = await voice.run("Hello there, general.", signal);
    const here = await inHere.run("Hello there, general.", signal);
    assert.equal(there.sampleRate, here.sampleRate);
    assert.deepEqual(there.samples, here.samples);
  });

  it("runs the model on another thread than this one", async () => {
    // The Whisper adapter reports its windows through onWindow: called back here, from there.
    const calls: [number, number][] = [];
    const samples = new Float32Array(75 * 16_000).map((_, i) => 0.3 * Math.sin(i / 5));
    const result = await asr.run(
      { samples, language: "en", onWindow: (heardS) => calls.push([heardS, threadId]) },
      signal,
    );
    assert.equal(result.text.startsWith(SENTENCE), true);
    assert.deepEqual(
      result.windows.map((w) => [w.startS, w.endS]),
      [
        [0, 30],
        [25, 55],
        [50, 75],
      ],
    );
    assert.equal(calls.length, 3, "one call per window, made in this thread");
    assert.ok(calls.every(([, thread]) => thread === threadId));
  });

  it("keeps an error's class, code and details across the thread", async () => {
    const nowhere = { ...runtime, modelsDir: "/nonexistent/models" };
    const there = new ThreadedModel(inHere, { ...recipe("tts-en"), runtime: nowhere }, logger);
    const error = await there.load().catch((e: unknown) => e);
    const here = createKindModel("tts-en", profile, { ...deps, runtime: nowhere });
    const local = await here.load().catch((e: unknown) => e);
    assert.ok(local instanceof ModelError, String(local));
    assert.ok(error instanceof ModelError, String(error));
    assert.equal(error.code, local.code);
    assert.equal(error.message, local.message);
    assert.deepEqual(error.details, local.details);
  });

  it("stops a running job when its signal aborts", async () => {
    const controller = new AbortController();
    const samples = new Float32Array(75 * 16_000).map((_, i) => 0.3 * Math.sin(i / 5));
    const running = asr.run(
      { samples, language: "en", onWindow: () => controller.abort() },
      controller.signal,
    );
    await assert.rejects(running, (error: AppError) => error.code === "job.cancelled");
    // The thread is still there for the next job.
    const next = await asr.run({ samples: samples.subarray(0, 32_000), language: "en" }, signal);
    assert.equal(next.text, SENTENCE);
  });

  it("runs a background thread and all it starts at nice 10, a foreground one at this thread's priority", async () => {
    const here = os.getPriority();
    /** The nice values of the threads `model.load()` starts. */
    const startedBy = (model: ManagedModel) => nicenessOfThreadsStartedBy(() => model.load());
    const foreground = new ThreadedModel(inHere, recipe("tts-en", "foreground"), logger);
    const background = new ThreadedModel(inHere, recipe("tts-en", "background"), logger);
    try {
      const started = await startedBy(foreground);
      assert.ok(started.length > 0, "a thread started");
      assert.deepEqual(
        started.filter((nice) => nice !== here),
        [],
        "all at this thread's",
      );
      // Every thread it starts, the loader's that compiles its modules among them.
      const lowered = await startedBy(background);
      assert.ok(lowered.length > 1, "the model's thread and the threads it started");
      assert.deepEqual(
        lowered.filter((nice) => nice !== BACKGROUND_NICENESS),
        [],
        "all at nice 10",
      );
    } finally {
      await Promise.all([foreground.unload(), background.unload()]);
    }
  });
});

describe("ThreadedModel whose thread can't start", () => {
  it("fails the load with model.failed, naming the model", async () => {
    const runtime = configureRuntime({
      modelsDir: fixtureModelsDir,
      allowRemoteModels: false,
      logger,
    });
    const profile = resolveProfile("fixture", {}, { cudaAvailable: false });
    const model = createKindModel("tts-en", profile, { runtime, logger, clock: systemClock });
    const broken = new ThreadedModel(
      model,
      // No factory builds this kind: the thread throws while it starts.
      {
        kind: "none" as never,
        depth: 0,
        profile,
        runtime,
        priority: "background",
        log: { level: "silent", format: "json" },
      },
      logger,
    );
    await assert.rejects(
      broken.load(),
      (error: Error) =>
        error instanceof ModelError &&
        error.code === "model.failed" &&
        /tts-en/.test(error.message),
    );
  });
});

describe("what a run sends to the thread", () => {
  it("gives a view of a larger buffer a buffer of its own, and leaves the rest alone", () => {
    const recording = new Float32Array(16_000).map((_, i) => i);
    const window = recording.subarray(4_000, 8_000);
    const sent = ownBuffer(window) as Float32Array;
    assert.equal(sent.buffer.byteLength, 4_000 * 4, "the window's bytes, not the recording's");
    assert.deepEqual(sent, window);
    assert.equal(ownBuffer(recording), recording, "a whole buffer is sent as it is");
    assert.equal(ownBuffer("text"), "text");
  });
});
