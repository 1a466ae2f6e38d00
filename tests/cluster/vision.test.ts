/**
 * Vision as a cluster kind, over a private real Redis: a worker serving `vision` runs the
 * fixture VLM (the real transformers.js processor, vision encoder and decoder) for a
 * bot-side remote handle; the image bytes cross Redis, the answer streams back piece by
 * piece with the job's events, and an image too big for the payload limit is refused at once.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import sharp from "sharp";
import { VISION_ANSWER, VISION_TABLE } from "../../scripts/make-fixtures.js";
import { ClusterWorker, type RemoteModels } from "../../src/cluster/index.js";
import type { ClusterConfig } from "../../src/config/index.js";
import {
  createVisionModel,
  type VisionRequest,
  type VisionResult,
} from "../../src/models/adapters/vision/index.js";
import { fixtureModelsDir, resolveProfile } from "../../src/models/catalogue/index.js";
import type { JobEvent } from "../../src/models/contract.js";
import { ModelManager } from "../../src/models/manager/index.js";
import { configureRuntime } from "../../src/models/runtime/index.js";
import { systemClock } from "../../src/shared/clock.js";
import { AppError } from "../../src/shared/errors.js";
import { RedisServer } from "../support/redis-server.js";
import { testRemoteModels } from "../support/remote-models.js";

const logger = pino({ level: "silent" });

function ask(image: Uint8Array, text: string, onText?: (piece: string) => void): VisionRequest {
  return {
    images: [image],
    turns: [{ role: "user", text, images: [0] }],
    maxNewTokens: 64,
    ...(onText ? { onText } : {}),
  };
}

describe("cluster: a worker serves vision jobs from the fixture VLM", () => {
  let redis: RedisServer;
  let remote: RemoteModels;
  let worker: ClusterWorker;
  let picture: Uint8Array;

  before(async () => {
    redis = await RedisServer.start();
    const settings: ClusterConfig & { redisUrl: string } = {
      role: "bot",
      redisUrl: redis.url,
      workerModels: ["vision"],
      prefix: "v",
      lockDurationMs: 5_000,
      stalledIntervalMs: 1_000,
      maxAttempts: 2,
      heartbeatMs: 200,
      maxPayloadBytes: 256 * 1024,
    };
    const manager = new ModelManager({ budgetBytes: 1e9, clock: systemClock, logger });
    const model = createVisionModel({
      spec: resolveProfile("fixture", {}, { cudaAvailable: false }).models.vision,
      runtime: configureRuntime({ modelsDir: fixtureModelsDir, allowRemoteModels: false, logger }),
      logger,
    });
    worker = new ClusterWorker({
      settings,
      id: "vision-worker",
      kinds: ["vision"],
      handles: { vision: manager.register(model, { idleUnloadMs: 0 }) },
      stats: () => manager.stats(),
      logger,
      clock: systemClock,
    });
    remote = testRemoteModels(settings);
    await Promise.all([worker.start(10_000), remote.start(10_000)]);
    const background = { r: 30, g: 120, b: 200 };
    picture = await sharp({ create: { width: 320, height: 240, channels: 3, background } })
      .png()
      .toBuffer();
  });

  after(async () => {
    await worker?.stop(1_000);
    await remote?.shutdown();
    await redis?.stop();
  });

  it("answers a question about a photo, streaming the pieces as they are decoded", async () => {
    const pieces: string[] = [];
    const events: JobEvent[] = [];
    const result = await remote.handle<VisionRequest, VisionResult>("vision").run(
      ask(picture, "What is in this picture?", (piece) => pieces.push(piece)),
      { onEvent: (event) => events.push(event) },
    );
    assert.equal(result.text, VISION_ANSWER);
    assert.equal(result.truncated, false);
    assert.ok(pieces.length > 1, `${pieces.length} pieces`);
    assert.equal(pieces.join(""), VISION_ANSWER);
    const types = events.map((event) => event.type);
    assert.ok(types.includes("loading") && types.includes("running"), types.join(","));
  });

  it("reads a table from the same image bytes without streaming", async () => {
    const result = await remote
      .handle<VisionRequest, VisionResult>("vision")
      .run(ask(picture, "Turn this chart into a table."));
    assert.equal(result.text, VISION_TABLE);
  });

  it("refuses an image above the payload limit before it reaches Redis", async () => {
    const big = new Uint8Array(256 * 1024);
    await assert.rejects(
      remote.handle("vision").run(ask(big, "What is in this picture?")),
      (error: unknown) => error instanceof AppError && error.code === "input.too_large",
    );
  });
});
