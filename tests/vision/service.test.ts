/**
 * VisionService with a scripted vision handle that answers by the words of the request, as
 * the fixture VLM does (scripts/fixtures/qwen-vl.ts), and a real SQLite history.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import sharp from "sharp";
import pino from "pino";
import { Store } from "../../src/memory/index.js";
import type { ModelHandle, RunOptions } from "../../src/models/contract.js";
import type { VisionRequest, VisionResult } from "../../src/models/adapters/vision/types.js";
import { ManualClock } from "../../src/shared/clock.js";
import { isAppError } from "../../src/shared/errors.js";
import {
  questionSystemPrompt,
  READ_PROMPT,
  TABLE_PROMPT,
  VisionService,
} from "../../src/services/vision/index.js";
import { RecordingHandle } from "../support/model-handle.js";
import { textPng } from "../support/text-images.js";

const logger = pino({ level: "silent" });
const TABLE = "| Month | Sales |\n| --- | --- |\n| January | 10 |\n| February | 20 |";
const ANSWER = "The picture shows a test chart.";
const TEXT = "# Page\n\n- one item";

const words = (text: string) => new Set(text.split(/[^\p{L}]+/u));

/** Answers like the fixture: by the words `table` and `Transcribe`, when an image is shown. */
class ScriptedVision implements ModelHandle<VisionRequest, VisionResult> {
  readonly id = "vision";
  readonly requests: VisionRequest[] = [];
  answerOverride: string | undefined;
  hang = false;
  async run(input: VisionRequest, options?: RunOptions): Promise<VisionResult> {
    this.requests.push(input);
    options?.onEvent?.({ type: "running", modelId: this.id });
    if (this.hang) {
      await new Promise((_, reject) =>
        options?.signal?.addEventListener("abort", () => reject(new Error("aborted"))),
      );
    }
    const prompt = input.turns.map((turn) => turn.text).join("\n");
    const text =
      this.answerOverride ??
      (input.images.length === 0
        ? "no image"
        : words(prompt).has("table")
          ? TABLE
          : words(prompt).has("Transcribe")
            ? TEXT
            : ANSWER);
    for (const piece of text.split(/(?<= )/)) input.onText?.(piece);
    return { text, generatedTokens: 5, promptTokens: 50, truncated: false };
  }
}

function setup(options: { timeoutMs?: number; maxPixels?: number } = {}) {
  const store = Store.open(":memory:");
  const model = new ScriptedVision();
  const clock = new ManualClock();
  const service = new VisionService({
    model,
    history: store.history,
    limits: {
      maxPixels: options.maxPixels ?? 1_310_720,
      maxNewTokens: 256,
      timeoutMs: options.timeoutMs ?? 120_000,
    },
    logger,
    clock,
  });
  return { store, model, clock, service };
}

async function collect(pieces: AsyncIterable<string>): Promise<string> {
  let text = "";
  for await (const piece of pieces) text += piece;
  return text;
}

describe("vision prompts", () => {
  it("say `table` only in the table prompt and `Transcribe` only in the reading prompt", () => {
    assert.ok(words(TABLE_PROMPT).has("table"));
    assert.ok(words(READ_PROMPT).has("Transcribe"));
    assert.ok(!words(READ_PROMPT).has("table"));
    for (const language of ["ru", "en", "de"]) {
      const prompt = questionSystemPrompt(language);
      assert.ok(!words(prompt).has("table") && !words(prompt).has("Transcribe"), prompt);
    }
    assert.match(questionSystemPrompt("ru"), /Answer in Russian/);
  });
});

describe("VisionService", () => {
  it("reads a photo as Markdown, with the image downscaled to the pixel budget", async () => {
    const { service, model } = setup({ maxPixels: 100_000 });
    const photo = await sharp({
      create: { width: 2000, height: 1000, channels: 3, background: "#3366cc" },
    })
      .jpeg()
      .toBuffer();
    const reading = await service.read(photo);
    assert.equal(reading.text, TEXT);
    const sent = await sharp(model.requests[0]!.images[0]!).metadata();
    assert.ok(sent.width! * sent.height! <= 100_000, `${sent.width}x${sent.height}`);
    assert.equal(sent.channels, 3, "colour is kept for the VLM");
    assert.equal(model.requests[0]!.maxNewTokens, 256);
  });

  it("turns a picture into rows, Markdown and CSV", async () => {
    const { service } = setup();
    const table = await service.table(await textPng(["Month Sales"]));
    assert.deepEqual(table.rows[0], ["Month", "Sales"]);
    assert.equal(table.rows.length, 3);
    assert.equal(table.csv, "Month,Sales\r\nJanuary,10\r\nFebruary,20\r\n");
    assert.match(table.markdown, /^\| Month \| Sales \|\n\| --- \| --- \|\n/);
  });

  it("says vision.no_table when the answer holds no table", async () => {
    const { service, model } = setup();
    model.answerOverride = "Just a cat.";
    await assert.rejects(
      service.table(await textPng(["cat"])),
      (error) => isAppError(error) && error.code === "vision.no_table",
    );
  });

  it("refuses a corrupt image before the model sees it", async () => {
    const { service, model } = setup();
    await assert.rejects(
      service.read(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])),
      (error) => isAppError(error) && error.code === "image.corrupt",
    );
    assert.equal(model.requests.length, 0);
  });

  it("stops a job at VISION_TIMEOUT with vision.timeout", async () => {
    const { service, model, clock } = setup({ timeoutMs: 5_000 });
    model.hang = true;
    const reading = service.read(await textPng(["slow"]));
    const failed = assert.rejects(
      reading,
      (error) => isAppError(error) && error.code === "vision.timeout",
    );
    while (model.requests.length === 0) await new Promise((resolve) => setImmediate(resolve));
    await clock.advance(5_000);
    await failed;
  });

  it("answers a picture question in pieces and keeps a reference, never the bytes", async () => {
    const { service, store, model } = setup();
    const dialog = { chatId: 1, userId: 2 };
    const bytes = await textPng(["photo"]);
    const reply = service.ask({
      ...dialog,
      question: "What is in this picture?",
      language: "en",
      pictures: [{ fileId: "file-1", uniqueId: "u-1", bytes }],
    });
    assert.equal(await collect(reply.pieces), ANSWER);
    assert.equal((await reply.done).text, ANSWER);
    const request = model.requests[0]!;
    assert.equal(request.turns[0]!.role, "system");
    assert.deepEqual(request.turns.at(-1), {
      role: "user",
      text: "What is in this picture?",
      images: [0],
    });
    const turns = store.history.recent(dialog);
    assert.deepEqual(
      turns.map((turn) => [turn.role, turn.text, turn.image]),
      [
        ["user", "What is in this picture?", { fileId: "file-1", uniqueId: "u-1" }],
        ["assistant", ANSWER, undefined],
      ],
    );
    assert.deepEqual(service.conversationImages(dialog), [{ fileId: "file-1", uniqueId: "u-1" }]);
  });

  it("runs a picture question and a reading as jobs of their owner in the asked class", async () => {
    const { store } = setup();
    const model = new RecordingHandle(new ScriptedVision());
    const service = new VisionService({
      model,
      history: store.history,
      limits: { maxPixels: 1_310_720, maxNewTokens: 256, timeoutMs: 120_000 },
      logger,
    });
    const bytes = await textPng(["photo"]);
    const question = { chatId: 1, userId: 2, question: "What is it?", language: "en" };
    await service.ask(
      { ...question, pictures: [{ fileId: "f", uniqueId: "u", bytes }] },
      {
        owner: "tg:2",
      },
    ).done;
    await service.read(bytes, { owner: "tg:2", workClass: "batch" });
    assert.deepEqual(model.scheduling(), [
      { owner: "tg:2", workClass: undefined },
      { owner: "tg:2", workClass: "batch" },
    ]);
  });

  it("shows a follow-up the picture on the turn that brought it; /reset forgets it", async () => {
    const { service, store, model } = setup();
    const dialog = { chatId: 1, userId: 2 };
    const bytes = await textPng(["photo"]);
    const picture = { fileId: "file-1", uniqueId: "u-1", bytes };
    await service.ask({ ...dialog, question: "What is it?", language: "en", pictures: [picture] })
      .done;
    await service.ask({
      ...dialog,
      question: "And the colour?",
      language: "en",
      pictures: [picture],
    }).done;
    const followUp = model.requests[1]!;
    assert.equal(followUp.images.length, 1);
    assert.deepEqual(
      followUp.turns.map((turn) => [turn.role, turn.text, turn.images]),
      [
        ["system", questionSystemPrompt("en"), undefined],
        ["user", "What is it?", [0]],
        ["assistant", ANSWER, undefined],
        ["user", "And the colour?", undefined],
      ],
    );
    // The follow-up's own turn refers to no new picture.
    assert.equal(store.history.recent(dialog).at(-2)!.image, undefined);
    store.history.reset(dialog);
    assert.deepEqual(service.conversationImages(dialog), []);
  });
});
