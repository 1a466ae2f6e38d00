/**
 * ROLE=bot with no worker serving TTS: the speech service, given the voices the app connects
 * to the cluster, speaks with espeak-ng instead of failing (the remote voices answer
 * cluster.no_worker, which the one "can't serve" rule counts as a model that can't serve).
 * A real Redis, the app's own cluster wiring and the real espeak-ng and ffmpeg.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { connectRemoteModels, type ModelHandles } from "../../src/app/cluster.js";
import type { RemoteModels } from "../../src/cluster/index.js";
import { loadConfig } from "../../src/config/index.js";
import { SpeechService } from "../../src/services/speech/index.js";
import { systemClock } from "../../src/shared/clock.js";
import { AppError } from "../../src/shared/errors.js";
import { RedisServer } from "../support/redis-server.js";
import { probe } from "../speech/support.js";

const logger = pino({ level: "silent" });

describe("cluster: /speak with no TTS worker", () => {
  let redis: RedisServer;
  let remote: RemoteModels;
  let handles: ModelHandles;

  before(async () => {
    redis = await RedisServer.start();
    const config = loadConfig({
      BOT_TOKEN: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ",
      ROLE: "bot",
      REDIS_URL: redis.url,
      CLUSTER_PREFIX: "speak",
    });
    ({ remote, handles } = connectRemoteModels(config, { logger, clock: systemClock }));
    await remote.start(10_000);
  });

  after(async () => {
    await remote?.shutdown();
    await redis?.stop();
  });

  it("the remote voices can't serve: espeak-ng speaks every language, and audio comes back", async () => {
    assert.deepEqual(Object.keys(handles.voices), ["ru", "en"]);
    await assert.rejects(
      handles.voices.ru!.run("привет"),
      (error: unknown) => error instanceof AppError && error.code === "cluster.no_worker",
    );
    const speech = new SpeechService({
      asr: handles.asr,
      vad: handles.vad,
      voices: handles.voices,
      logger,
    });
    const result = await speech.synthesize("Привет, как дела? Hello, how are you?");
    assert.equal(result.engine, "espeak");
    assert.deepEqual(result.voices, ["espeak:ru", "espeak:en"]);
    const { stream, durationS } = probe(result.audio);
    assert.deepEqual([stream.codec_name, stream.sample_rate], ["opus", "48000"]);
    assert.ok(durationS > 1, `${durationS} s of speech`);
  });
});
