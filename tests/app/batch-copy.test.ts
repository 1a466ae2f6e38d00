/**
 * Batch pieces on a copy of the model in a thread at nice 10 (MODEL_BATCH_THREADS): which
 * kinds get a copy (by default only when the budget holds them all), and, with the fixture
 * profile's real chat model, that batch pieces run there while interactive work stays on the
 * model in this thread.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { batchCopyId, batchCopyKinds, buildModels, type ModelSet } from "../../src/app/models.js";
import { loadConfig } from "../../src/config/index.js";
import { silentLogger } from "../../src/log/index.js";
import type { ChatRequest, ChatResult } from "../../src/models/adapters/chat-qwen.js";
import type { JobEvent } from "../../src/models/contract.js";
import { KIND_TABLE } from "../../src/models/kinds/index.js";
import { THREAD_BYTES } from "../../src/models/threaded/index.js";
import { systemClock } from "../../src/shared/clock.js";

const MB = 2 ** 20;
/** Every kind's model at 100 MB, on `device`. */
const modelsOn = (device: "cpu" | "cuda") =>
  Object.fromEntries(KIND_TABLE.map((row) => [row.id, { device, estimatedBytes: 100 * MB }]));
const copied = (
  settings: { batchThreads: "auto" | boolean; workerThreads: boolean },
  { device = "cpu" as "cpu" | "cuda", budgetBytes = 64 * 1024 * MB } = {},
) => [...batchCopyKinds(modelsOn(device), settings, budgetBytes)];

describe("which kinds run batch pieces on a copy", () => {
  const auto = { batchThreads: "auto" as const, workerThreads: false };
  // Eight models on the main thread, and four copies with a thread each.
  const everything = 8 * 100 * MB + 4 * (100 * MB + THREAD_BYTES);

  it("copies the main thread's CPU models whose long jobs are cut into pieces", () => {
    assert.deepEqual(copied(auto), ["asr", "vad", "chat", "embed"]);
    assert.deepEqual(copied(auto, { budgetBytes: everything }), ["asr", "vad", "chat", "embed"]);
  });

  it("copies none by default when the budget can't hold every model and every copy at once", () => {
    assert.deepEqual(copied(auto, { budgetBytes: everything - 1 }), []);
    assert.deepEqual(copied({ ...auto, batchThreads: true }, { budgetBytes: everything - 1 }), [
      "asr",
      "vad",
      "chat",
      "embed",
    ]);
  });

  it("copies none with MODEL_BATCH_THREADS=false", () => {
    assert.deepEqual(copied({ ...auto, batchThreads: false }), []);
  });

  it("copies only chat with MODEL_WORKER_THREADS: the others run at nice 10 or have no batch pieces", () => {
    assert.deepEqual(copied({ ...auto, workerThreads: true }), ["chat"]);
  });

  it("copies no model on the GPU", () => {
    assert.deepEqual(copied(auto, { device: "cuda" }), []);
  });
});

describe("batch pieces on the chat model's copy, fixture profile", () => {
  let dir: string;
  let models: ModelSet;
  const request = (messages: ChatRequest["messages"]): ChatRequest => ({
    messages,
    settings: { maxNewTokens: 8, temperature: 0, topP: 1, repetitionPenalty: 1 },
  });
  const jobsOf = (id: string) => {
    const model = models.manager.stats().models.find((entry) => entry.id === id);
    return model && { ok: model.jobsOk, failed: model.jobsFailed };
  };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "batch-copy-"));
    const config = loadConfig({
      BOT_TOKEN: "4242424242:E2E-test-token-0123456789abcdef",
      MODEL_PROFILE: "fixture",
      // Chat on the main thread, its copy in a thread: the two places a conversation is fitted.
      MODEL_WORKER_THREADS: "false",
      DATA_DIR: dir,
      MODELS_DIR: path.join(dir, "models"),
    });
    models = buildModels(config, { logger: silentLogger(), clock: systemClock });
  });
  after(async () => {
    await models.manager.shutdown(5_000);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("answers a batch piece on the copy and a question on the model, alike", async () => {
    const messages = [{ role: "user" as const, content: "Tidy this page: helo wrld" }];
    const pieces: string[] = [];
    const batch = await models.chat.run(
      { ...request(messages), onText: (piece) => pieces.push(piece) },
      { workClass: "batch", owner: "tg:1" },
    );
    assert.deepEqual(jobsOf(batchCopyId("chat")), { ok: 1, failed: 0 });
    assert.deepEqual(jobsOf("chat"), { ok: 0, failed: 0 }, "the model itself stayed idle");
    assert.equal(pieces.join(""), batch.text, "the copy's pieces were streamed back here");

    const question = await models.chat.run(request(messages), { owner: "tg:2" });
    assert.deepEqual(jobsOf("chat"), { ok: 1, failed: 0 });
    assert.deepEqual(jobsOf(batchCopyId("chat")), { ok: 1, failed: 0 });
    assert.equal(question.promptTokens, batch.promptTokens, "the same prompt on both");
    assert.equal(question.text, batch.text, "greedy: the same answer on both");
  });

  it("fits a conversation with the model's own tokenizer in the copy's thread", async () => {
    const history = [
      "Привет! Расскажи, пожалуйста, как прошёл твой день и что нового.",
      "Hello there, it went well, thank you for asking about it today.",
      "Какая погода сегодня в Москве и стоит ли брать с собой зонт?",
      "It is cloudy with a chance of rain, so an umbrella is wise.",
      "А что насчёт завтрашнего дня, будет ли солнечно с утра?",
      "Tomorrow morning looks sunny, with clouds in the afternoon.",
    ].map((text, index) => ({ role: index % 2 === 0 ? "user" : "assistant", text }) as const);
    const conversation = {
      systemPrompt: "Be brief.",
      history,
      message: "Итак?",
      budgetTokens: 200,
    };
    const onCopy = await models.chat.run(request(conversation), {
      workClass: "batch",
      owner: "tg:3",
    });
    const here = await models.chat.run(request(conversation), { owner: "tg:3" });
    assert.ok(
      onCopy.historyTurns! > 0 && onCopy.historyTurns! < history.length,
      `history was cut to the budget: ${onCopy.historyTurns} of ${history.length} turns`,
    );
    assert.equal(onCopy.historyTurns, here.historyTurns, "the same turns fit in both threads");
    assert.equal(onCopy.promptTokens, here.promptTokens);
    assert.deepEqual(jobsOf(batchCopyId("chat")), { ok: 2, failed: 0 });
  });

  it("starts a question at once while a batch piece runs", async () => {
    const events: JobEvent[] = [];
    let question: Promise<ChatResult> | undefined;
    const messages = [{ role: "user" as const, content: "Tidy this page: helo wrld" }];
    await models.chat.run(
      {
        ...request(messages),
        // Called while the piece runs: the question is asked in the middle of it.
        onText: () => {
          question ??= models.chat.run(request(messages), {
            owner: "tg:5",
            onEvent: (event) => events.push(event),
          });
        },
      },
      { workClass: "batch", owner: "tg:4" },
    );
    assert.ok(question, "the piece streamed text");
    await question;
    assert.deepEqual(
      events.map((event) => event.type),
      ["running"],
      "never queued behind the piece",
    );
  });
});
