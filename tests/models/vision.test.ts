/**
 * The vision adapter through the real transformers.js classes on the fixture VLM
 * (fixtures/models/fixture/qwen3_5-vl): AutoProcessor, the vision encoder, the decoder.
 */
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import sharp from "sharp";
import {
  QWEN_ANSWER,
  VISION_ANSWER,
  VISION_TABLE,
  VISION_TEXT,
} from "../../scripts/make-fixtures.js";
import { createVisionModel, type VisionRequest } from "../../src/models/adapters/vision/index.js";
import { fixtureModelsDir, resolveProfile } from "../../src/models/catalogue/index.js";
import { configureRuntime, PULL_COMMAND } from "../../src/models/runtime/index.js";
import {
  transformersPipelineFactory,
  type ImageTextToTextPipeline,
} from "../../src/models/runtime/pipeline.js";
import { AppError, InputError, ModelError } from "../../src/shared/errors.js";

const logger = pino({ level: "silent" });
const spec = resolveProfile("fixture", {}, { cudaAvailable: false }).models.vision;
const runtime = configureRuntime({
  modelsDir: fixtureModelsDir,
  allowRemoteModels: false,
  logger,
});
const signal = new AbortController().signal;

function png(width: number, height: number): Promise<Buffer> {
  const background = { r: 200, g: 30, b: 30 };
  return sharp({ create: { width, height, channels: 3, background } })
    .png()
    .toBuffer();
}

function ask(images: Uint8Array[], text: string, extra: Partial<VisionRequest> = {}) {
  return {
    images,
    turns: [{ role: "user" as const, text, images: images.map((_, i) => i) }],
    maxNewTokens: 64,
    ...extra,
  };
}

describe("vision model on the fixture VLM", () => {
  const model = createVisionModel({ spec, runtime, logger });
  let picture: Buffer;

  before(async () => {
    picture = await png(300, 200);
    await model.load();
  });
  after(() => model.unload());

  it("answers a question about a picture with the fixed sentence", async () => {
    const result = await model.run(ask([picture], "What is in this picture?"), signal);
    assert.equal(result.text, VISION_ANSWER);
    assert.equal(result.truncated, false);
    // 300 × 200 is scaled up to the 65,536-pixel minimum: 224 × 320, 14 × 20 patches, 70 tokens.
    assert.ok(result.promptTokens > 70, `prompt of ${result.promptTokens} tokens`);
  });

  it("turns a picture into the fixed Markdown table when asked for a table", async () => {
    const result = await model.run(ask([picture], "Turn this chart into a table."), signal);
    assert.equal(result.text, VISION_TABLE);
    const rows = result.text.split("\n").filter((line) => !line.includes("---"));
    assert.ok(rows.length >= 4, "a header and at least 3 data rows");
    assert.ok(
      rows.every((row) => row.split("|").length - 2 >= 2),
      "at least 2 columns",
    );
  });

  it("reads a picture as the fixed Markdown text when asked to transcribe it", async () => {
    const result = await model.run(ask([picture], "Transcribe the text of this page."), signal);
    assert.equal(result.text, VISION_TEXT);
  });

  it("answers like the chat fixture when no image is shown", async () => {
    const result = await model.run(ask([], "Make a table"), signal);
    assert.equal(result.text, QWEN_ANSWER);
  });

  it("still sees the image in a follow-up turn", async () => {
    const result = await model.run(
      {
        images: [picture],
        turns: [
          { role: "user", text: "What is in this picture?", images: [0] },
          { role: "assistant", text: VISION_ANSWER },
          { role: "user", text: "Now make a table of it." },
        ],
        maxNewTokens: 64,
      },
      signal,
    );
    assert.equal(result.text, VISION_TABLE);
  });

  it("streams pieces that join to the answer", async () => {
    const pieces: string[] = [];
    const result = await model.run(
      ask([picture], "Transcribe it.", { onText: (piece) => pieces.push(piece) }),
      signal,
    );
    assert.ok(pieces.length > 1, `${pieces.length} pieces`);
    assert.equal(pieces.join(""), result.text);
  });

  it("stops at the token cap and says so", async () => {
    const result = await model.run(ask([picture], "a table", { maxNewTokens: 2 }), signal);
    assert.equal(result.truncated, true);
    assert.equal(result.generatedTokens, 2);
    assert.ok(VISION_TABLE.startsWith(result.text) && result.text.length > 0, result.text);
  });

  it("stops promptly when the signal aborts mid-answer", async () => {
    const controller = new AbortController();
    const pieces: string[] = [];
    await assert.rejects(
      model.run(
        ask([picture], "Transcribe it.", {
          onText: (piece) => {
            pieces.push(piece);
            controller.abort(new Error("user left"));
          },
        }),
        controller.signal,
      ),
      (error: unknown) => error instanceof AppError && error.code === "job.cancelled",
    );
    assert.equal(pieces.length, 1, "nothing is streamed after the abort");
  });

  it("refuses a request whose turns do not show exactly its images", async () => {
    for (const request of [
      { images: [picture], turns: [{ role: "user" as const, text: "What?" }], maxNewTokens: 8 },
      ask([picture, picture], "What?", {
        turns: [{ role: "user", text: "What?", images: [0, 0] }],
      }),
      ask([picture], "What?", { turns: [{ role: "user", text: "What?", images: [1] }] }),
    ]) {
      await assert.rejects(
        model.run(request, signal),
        (error: unknown) => error instanceof InputError && error.code === "input.unsupported",
      );
    }
  });

  it("refuses undecodable bytes as a corrupt image", async () => {
    await assert.rejects(
      model.run(ask([new Uint8Array([1, 2, 3, 4])], "What?"), signal),
      (error: unknown) => error instanceof InputError && error.code === "image.corrupt",
    );
  });

  it("refuses a prompt that leaves no room in the context", async () => {
    await assert.rejects(
      model.run(ask([picture], "What?", { maxNewTokens: 262_144 }), signal),
      (error: unknown) => error instanceof InputError && error.code === "input.too_long",
    );
  });
});

describe("vision model limits and files", () => {
  it("clamps a huge image to the pixel budget before the vision encoder", async () => {
    const maxPixels = 512 * 512;
    const model = createVisionModel({ spec, runtime, logger, maxPixels });
    await model.load();
    try {
      const huge = await png(4000, 3000);
      const result = await model.run(ask([huge], "What is in this picture?"), signal);
      assert.equal(result.text, VISION_ANSWER);
      // At most maxPixels / (16 × 16) patches, 4 patches a token, plus the template's words.
      const imageTokens = maxPixels / 256 / 4;
      assert.ok(result.promptTokens <= imageTokens + 40, `prompt of ${result.promptTokens}`);
      assert.ok(result.promptTokens > imageTokens / 2, `prompt of ${result.promptTokens}`);
    } finally {
      await model.unload();
    }
  });

  it("runs several images of different sizes in one request", async () => {
    let seen: ImageTextToTextPipeline | undefined;
    const model = createVisionModel({
      spec,
      runtime,
      logger,
      pipelineFactory: async (request) => {
        seen = (await transformersPipelineFactory(request)) as ImageTextToTextPipeline;
        return seen;
      },
    });
    await model.load();
    try {
      const result = await model.run(
        ask([await png(300, 200), await png(640, 640)], "What?"),
        signal,
      );
      assert.equal(result.text, VISION_ANSWER);
      assert.ok(seen, "built through the factory seam");
      // 300 × 200 → 14 × 20 patches, 640 × 640 → 40 × 40: each processed at its own size.
      assert.equal(result.promptTokens > (14 * 20 + 40 * 40) / 4, true);
    } finally {
      await model.unload();
    }
  });

  it("answers follow-ups about a picture without running the vision encoder again", async () => {
    let encoderRuns = 0;
    const model = createVisionModel({
      spec,
      runtime,
      logger,
      pipelineFactory: async (request) => {
        const loaded = (await transformersPipelineFactory(request)) as ImageTextToTextPipeline;
        const { sessions } = loaded.model as unknown as {
          sessions: Record<string, { run: (...args: unknown[]) => Promise<unknown> }>;
        };
        const encoder = sessions.vision_encoder!;
        const run = encoder.run.bind(encoder);
        encoder.run = (...args) => {
          encoderRuns += 1;
          return run(...args);
        };
        return loaded;
      },
    });
    await model.load();
    try {
      const [picture, other] = [await png(300, 200), await png(200, 300)];
      const first = await model.run(ask([picture], "What is in this picture?"), signal);
      const followUp = await model.run(
        {
          images: [picture],
          turns: [
            { role: "user", text: "What is in this picture?", images: [0] },
            { role: "assistant", text: first.text },
            { role: "user", text: "Now make a table of it." },
          ],
          maxNewTokens: 64,
        },
        signal,
      );
      const again = await model.run(ask([picture], "What is in this picture?"), signal);
      assert.equal(encoderRuns, 1, "one encoding for the three questions");
      assert.equal(followUp.text, VISION_TABLE);
      assert.deepEqual(again, first, "the same answer from the same prompt");
      await model.run(ask([other], "What is in this picture?"), signal);
      assert.equal(encoderRuns, 2, "another picture is encoded");
    } finally {
      await model.unload();
    }
  });

  it("names models:pull when the vision encoder file is missing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vision-missing-"));
    try {
      cpSync(join(fixtureModelsDir, "fixture/qwen3_5-vl"), join(dir, "fixture/qwen3_5-vl"), {
        recursive: true,
      });
      rmSync(join(dir, "fixture/qwen3_5-vl/onnx/vision_encoder.onnx"));
      const missing = configureRuntime({ modelsDir: dir, allowRemoteModels: false, logger });
      const model = createVisionModel({ spec, runtime: missing, logger });
      assert.deepEqual(
        model.requiredFiles().filter((file) => !file.present),
        [{ path: "onnx/vision_encoder.onnx", present: false }],
      );
      await assert.rejects(
        model.load(),
        (error: unknown) =>
          error instanceof ModelError &&
          error.code === "model.missing" &&
          error.message.includes(PULL_COMMAND),
      );
    } finally {
      configureRuntime({ modelsDir: fixtureModelsDir, allowRemoteModels: false, logger });
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
