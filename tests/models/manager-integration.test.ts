/**
 * The manager driving a real transformers.js model (the fixture VITS voice): the same
 * load, run and dispose path a real model takes, with idle time in virtual time.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { silentLogger } from "../../src/log/index.js";
import { createVitsTts } from "../../src/models/adapters/tts-vits.js";
import { PROFILES } from "../../src/models/catalogue/index.js";
import { ModelManager, type ModelEvent } from "../../src/models/manager/index.js";
import { configureRuntime } from "../../src/models/runtime/index.js";
import { ManualClock } from "../../src/shared/clock.js";

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
