/**
 * The manager driving real transformers.js models (the fixture VITS voice, the fixture Qwen and
 * `fixture/missing`): the same load, run, fallback and dispose path a real model takes, with
 * idle time in virtual time.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { silentLogger } from "../../src/log/index.js";
import { createCatalogueModels } from "../../src/models/kinds/adapters.js";
import { createVitsTts } from "../../src/models/adapters/tts-vits.js";
import {
  PROFILES,
  type ModelEntry,
  type ResolvedProfile,
} from "../../src/models/catalogue/index.js";
import { ModelManager, type ModelEvent } from "../../src/models/manager/index.js";
import { configureRuntime } from "../../src/models/runtime/index.js";
import { ManualClock } from "../../src/shared/clock.js";
import { isAppError } from "../../src/shared/errors.js";
import { QWEN_ANSWER } from "../../scripts/make-fixtures.js";

const IDLE_MS = 60_000;

describe("ModelManager with a real fixture model", () => {
  const clock = new ManualClock();
  const logger = silentLogger();
  const runtime = configureRuntime({
    modelsDir: PROFILES.fixture.modelsDir!,
    allowRemoteModels: false,
    logger,
  });
  const manager = new ModelManager({ budgetBytes: 2 ** 30, clock, logger });
  after(() => manager.shutdown(0));

  it(
    "loads on first use, runs, unloads after the idle time, and reloads on the next job",
    { timeout: 60_000 },
    async () => {
      const events: ModelEvent[] = [];
      manager.on((event) => events.push(event));
      const unloaded = new Promise<void>((resolve) =>
        manager.on((event) => {
          if (event.type === "unloaded") resolve();
        }),
      );
      const voice = manager.register(
        createVitsTts({ id: "tts-en", spec: PROFILES.fixture.models["tts-en"], runtime, logger }),
        {
          idleUnloadMs: IDLE_MS,
        },
      );
      const stateOf = () => manager.stats().models.find((model) => model.id === "tts-en")!;
      assert.equal(stateOf().state, "unloaded");

      const first = await voice.run("Hello!");
      assert.equal(first.sampleRate, 16_000);
      // The fixture speaks 1600 samples per token: a blank around each of the 6 characters.
      assert.equal(first.samples.length, 13 * 1600);
      assert.equal(stateOf().state, "ready");
      assert.equal(stateOf().device, "cpu");

      await clock.advance(IDLE_MS - 1);
      assert.equal(stateOf().state, "ready", "still loaded just before the idle timeout");
      await clock.advance(1);
      await unloaded;
      assert.equal(stateOf().state, "unloaded");
      assert.equal(manager.stats().inUseBytes, 0);

      const second = await voice.run("Hi");
      assert.equal(second.samples.length, 5 * 1600);
      assert.deepEqual(
        events.map((event) => event.type),
        ["loading", "loaded", "job_done", "unloaded", "loading", "loaded", "job_done"],
      );
      assert.equal(stateOf().loads, 2);
      assert.equal(stateOf().jobsOk, 2);
    },
  );
});

describe("ModelManager with a catalogue chat model whose files are missing", () => {
  const logger = silentLogger();
  const clock = new ManualClock();
  const runtime = configureRuntime({
    modelsDir: PROFILES.fixture.modelsDir!,
    allowRemoteModels: false,
    logger,
  });
  const qwen = PROFILES.fixture.models.chat;
  // fixture/missing has its config and tokenizer but no ONNX files, like a half-pulled model.
  const missing: ModelEntry = { ...qwen, modelId: "fixture/missing" };
  const request = {
    messages: [{ role: "user" as const, content: "Hi!" }],
    settings: { maxNewTokens: 32, temperature: 0, topP: 1, repetitionPenalty: 1 },
  };

  /** The chat model the app would build for the fixture profile with `chat` replaced. */
  function chatWith(chat: ModelEntry) {
    const profile: ResolvedProfile = {
      ...PROFILES.fixture,
      requested: "fixture",
      models: { ...PROFILES.fixture.models, chat },
    };
    const manager = new ModelManager({ budgetBytes: 2 ** 30, clock, logger });
    const model = createCatalogueModels(profile, { runtime, logger, clock }).chat;
    return { manager, handle: manager.register(model, { idleUnloadMs: 60_000 }) };
  }

  it("moves on to the next variant, which answers; /status learns why the first can't", async () => {
    const { manager, handle } = chatWith({ ...missing, fallback: qwen });
    try {
      const result = await handle.run(request);
      // The raw turn: Qwen3.5's template opens an empty reasoning block before the answer.
      assert.ok(result.text.endsWith(QWEN_ANSWER), result.text);
      const stats = manager.stats().models.find((model) => model.id === "chat")!;
      assert.deepEqual([stats.variantId, stats.fallbackActive], ["chat:fallback", true]);
      assert.equal(stats.unavailable.length, 1);
      assert.equal(stats.unavailable[0]?.variantId, "chat");
      assert.match(stats.unavailable[0]?.reason ?? "", /fixture\/missing/);
    } finally {
      await manager.shutdown(0);
    }
  });

  it("gives one load_failed error naming both variants when neither loads", async () => {
    const { manager, handle } = chatWith({
      ...missing,
      fallback: { ...missing, modelId: "fixture/absent" },
    });
    try {
      await assert.rejects(handle.run(request), (error: unknown) => {
        assert.ok(isAppError(error), String(error));
        assert.equal(error.code, "model.load_failed");
        assert.match(
          error.message,
          /no variant of "chat" can load \(chat: .*fixture\/missing.*; chat:fallback: .*fixture\/absent/,
        );
        return true;
      });
    } finally {
      await manager.shutdown(0);
    }
  });
});
