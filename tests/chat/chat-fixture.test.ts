/** The chat service and normalizer against the fixture Qwen, through the real pipeline. */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { Store } from "../../src/memory/index.js";
import type { TextGenerationPipeline } from "@huggingface/transformers";
import { createChatModel, generateChat, samplingFor } from "../../src/models/adapters/chat-qwen.js";
import { DEFAULT_TOP_K } from "../../src/models/adapters/token-sampler.js";
import { configureRuntime } from "../../src/models/runtime/index.js";
import { fixtureModelsDir } from "../../src/models/catalogue/index.js";
import { MESSAGE_FRAME_TOKENS } from "../../src/models/adapters/chat-context.js";
import { ChatNormalizer, ChatService, stripThink } from "../../src/services/chat/index.js";
import { isAppError } from "../../src/shared/errors.js";
import { QWEN_CONTEXT_TOKENS } from "../../scripts/make-fixtures.js";
import { fixtureChat, fixtureChatPipeline, QWEN_ANSWER, type FixtureChat } from "./fixture-chat.js";
import { SETTINGS, silent } from "./stub-chat.js";

const dialog = { chatId: -100, userId: 7 };

describe("chat with the fixture Qwen", () => {
  let fixture: FixtureChat;
  let store: Store;
  let chat: ChatService;

  before(async () => {
    fixture = await fixtureChat();
  });
  after(() => fixture.close());
  beforeEach(() => {
    fixture.calls.length = 0;
    fixture.requests.length = 0;
    store = Store.open(":memory:");
    chat = new ChatService({
      model: fixture.handle,
      history: store.history,
      settings: SETTINGS,
      logger: silent,
    });
  });

  it("streams the answer token by token", async () => {
    const reply = chat.reply({ ...dialog, text: "Hi!", kind: "text" });
    const pieces: string[] = [];
    for await (const piece of reply.pieces) pieces.push(piece);
    const outcome = await reply.done;

    assert.ok(pieces.length > 1, `expected several pieces, got ${JSON.stringify(pieces)}`);
    assert.equal(pieces.join(""), QWEN_ANSWER);
    assert.equal(outcome.text, QWEN_ANSWER);
    assert.ok(outcome.tokens > 1);
    assert.ok(outcome.promptTokens > 0);
    assert.equal(fixture.calls.length, 1);
    // The settings reach the model: sampling at the configured temperature, the token limit.
    assert.equal(fixture.requests[0]!.settings.temperature, SETTINGS.temperature);
    assert.equal(fixture.calls[0]!.options.max_new_tokens, SETTINGS.maxNewTokens);
  });

  it("stops generating when cancelled after the first piece", async () => {
    const controller = new AbortController();
    const reply = chat.reply(
      { ...dialog, text: "Hi!", kind: "text" },
      { signal: controller.signal },
    );
    const pieces: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const piece of reply.pieces) {
          pieces.push(piece);
          controller.abort();
        }
      })(),
      (error) => isAppError(error) && error.code === "job.cancelled",
    );
    await assert.rejects(
      reply.done,
      (error) => isAppError(error) && error.code === "job.cancelled",
    );

    assert.equal(pieces.length, 1);
    // Decoding itself ended early: interrupted, not left running.
    assert.equal(fixture.calls.length, 1);
    const generated = fixture.calls[0]!.output;
    // Thinking is on: Qwen3.5's template opens <think>, the fixture closes it, then answers.
    const turn = `</think>\n\n${QWEN_ANSWER}`;
    assert.ok(
      generated.length < turn.length && turn.startsWith(generated),
      `generation should stop early, got "${generated}"`,
    );
    assert.deepEqual(store.history.recent(dialog), [], "a cancelled reply stores nothing");
    // The model is free again: the next reply runs to the end.
    assert.equal(
      (await chat.reply({ ...dialog, text: "Again", kind: "text" }).done).text,
      QWEN_ANSWER,
    );
  });

  it("cancels the reply when the reader stops early", async () => {
    const reply = chat.reply({ ...dialog, text: "Hi!", kind: "text" });
    for await (const piece of reply.pieces) {
      assert.ok(piece.length > 0);
      break;
    }
    await assert.rejects(
      reply.done,
      (error) => isAppError(error) && error.code === "job.cancelled",
    );
    assert.ok(fixture.calls[0]!.output.length < QWEN_ANSWER.length);
  });

  it("stores both turns with their kinds, and /reset starts over", async () => {
    await chat.reply({ ...dialog, text: "  what is in this voice note?  ", kind: "voice" }).done;
    await chat.reply({ ...dialog, text: "Scanned page text", kind: "ocr" }).done;
    const turns = store.history.recent(dialog);
    assert.deepEqual(
      turns.map(({ role, kind, text }) => ({ role, kind, text })),
      [
        { role: "user", kind: "voice", text: "what is in this voice note?" },
        { role: "assistant", kind: "text", text: QWEN_ANSWER },
        { role: "user", kind: "ocr", text: "Scanned page text" },
        { role: "assistant", kind: "text", text: QWEN_ANSWER },
      ],
    );
    // The second reply was sent the first exchange.
    assert.deepEqual(
      fixture.calls[1]!.messages.slice(1).map((message) => message.content),
      ["what is in this voice note?", QWEN_ANSWER, "Scanned page text"],
    );

    chat.reset(dialog);
    assert.deepEqual(store.history.recent(dialog), []);
    const outcome = await chat.reply({ ...dialog, text: "Fresh start", kind: "text" }).done;
    assert.equal(outcome.historyTurns, 0);
    const sent = fixture.calls[2]!.messages;
    assert.deepEqual(
      sent.map((message) => message.role),
      ["system", "user"],
    );
    assert.equal(sent[1]!.content, "Fresh start");
    // Other dialogs are separate conversations.
    assert.deepEqual(store.history.recent({ chatId: -100, userId: 8 }), []);
  });

  it("sends the newest turns that fit the token budget, in order", async () => {
    const stored = Array.from({ length: 12 }, (_, index) => ({
      role: index % 2 === 0 ? ("user" as const) : ("assistant" as const),
      kind: "text" as const,
      text: `turn ${index} ${"x".repeat(10 + index * 3)}`,
    }));
    store.history.append(dialog, stored);
    const budget = 160;
    chat = new ChatService({
      model: fixture.handle,
      history: store.history,
      settings: { ...SETTINGS, historyTokens: budget, systemPrompt: "Be brief." },
      logger: silent,
    });
    const outcome = await chat.reply({ ...dialog, text: "And now?", kind: "text" }).done;

    const sent = fixture.calls[0]!.messages;
    assert.deepEqual(sent[0], { role: "system", content: "Be brief." });
    assert.deepEqual(sent.at(-1), { role: "user", content: "And now?" });
    const history = sent.slice(1, -1).map((message) => message.content);
    assert.ok(history.length > 0 && history.length < stored.length);
    assert.equal(outcome.historyTurns, history.length);
    // A suffix of the stored conversation, oldest first, starting with a user turn.
    assert.deepEqual(
      history,
      stored.slice(stored.length - history.length).map((turn) => turn.text),
    );
    assert.equal(sent[1]!.role, "user");
    // It fits with the real tokenizer; one more turn (or two, to start with a user turn) would not.
    const cost = (text: string) => fixture.countTokens(text) + MESSAGE_FRAME_TOKENS;
    const used = [...sent].reduce((sum, message) => sum + cost(message.content), 0);
    assert.ok(used <= budget, `prompt of ${used} tokens exceeds ${budget}`);
    const older = stored[stored.length - history.length - 1]!;
    assert.ok(used + cost(older.text) > budget || older.role === "assistant");
  });

  it("keeps the raw text when normalization drifts (the fixture answers instead of cleaning)", async () => {
    const normalizer = new ChatNormalizer({ model: fixture.handle, logger: silent });
    const raw = "the qu1ck brown f0x jumps over the lazy dog and runs away in to the forest";
    const result = await normalizer.normalizeDetailed(raw, "ocr", "en");
    assert.equal(result.text, raw);
    assert.equal(result.changed, false);
    assert.match(result.rejected ?? "", /length ratio|word overlap|answer/);
    assert.equal(fixture.calls.length, 1);
    assert.equal(fixture.requests[0]!.settings.temperature, 0, "normalization decodes greedily");
    assert.equal(await normalizer.normalize(raw, "asr", "ru"), raw);
  });
});

describe("samplingFor", () => {
  it("decodes greedily at temperature 0", () => {
    assert.equal(
      samplingFor({ maxNewTokens: 10, temperature: 0, topP: 0.9, repetitionPenalty: 1.1 }, 20),
      undefined,
    );
  });

  it("samples with temperature, top-p and the model's top-k otherwise", () => {
    const settings = { maxNewTokens: 512, temperature: 0.7, topP: 0.9, repetitionPenalty: 1.1 };
    assert.deepEqual(samplingFor(settings, 20), { temperature: 0.7, topP: 0.9, topK: 20 });
    assert.equal(
      samplingFor(settings)?.topK,
      DEFAULT_TOP_K,
      "a model without top_k gets transformers.js's default",
    );
  });
});

describe("createChatModel", () => {
  it("builds the catalogue entry's smaller variant as the fallback", () => {
    const runtime = configureRuntime({
      modelsDir: fixtureModelsDir,
      allowRemoteModels: false,
      logger: silent,
    });
    const spec = {
      modelId: "fixture/qwen3_5",
      pipelineTask: "text-generation",
      dtype: "fp32",
      device: "cpu",
      memoryBytes: 1,
    } as const;
    const model = createChatModel({
      spec: { ...spec, fallback: { ...spec, memoryBytes: 0 } },
      runtime,
      logger: silent,
    });
    assert.equal(model.id, "chat");
    assert.equal(model.task, "chat");
    assert.equal(model.fallback?.id, "chat:fallback");
  });
});

describe("generateChat", () => {
  let pipe: TextGenerationPipeline;
  before(async () => {
    pipe = await fixtureChatPipeline();
  });
  after(() => pipe.dispose());

  it("starts the raw turn with the tag Qwen3.5's template opens, so the block is well-formed", async () => {
    const pieces: string[] = [];
    const result = await generateChat(
      pipe,
      {
        messages: [{ role: "user", content: "Hi" }],
        settings: { maxNewTokens: 32, temperature: 0, topP: 1, repetitionPenalty: 1 },
        onText: (piece) => pieces.push(piece),
      },
      new AbortController().signal,
    );
    assert.equal(pieces[0], "<think>");
    assert.equal(result.text, `<think></think>\n\n${QWEN_ANSWER}`);
    assert.equal(stripThink(result.text), QWEN_ANSWER);
  });

  it("passes the thinking switch to the template", async () => {
    const pieces: string[] = [];
    const result = await generateChat(
      pipe,
      {
        messages: [{ role: "user", content: "Hi" }],
        settings: { maxNewTokens: 32, temperature: 0, topP: 1, repetitionPenalty: 1 },
        thinking: false,
        onText: (piece) => pieces.push(piece),
      },
      new AbortController().signal,
    );
    assert.equal(result.text, QWEN_ANSWER);
    assert.equal(pieces.join(""), QWEN_ANSWER);
  });

  it("renders and encodes the prompt once, and decodes only what it streams", async () => {
    const { tokenizer } = pipe;
    const calls = { template: 0, batchDecode: 0 };
    const render = tokenizer.apply_chat_template.bind(tokenizer);
    const batchDecode = tokenizer.batch_decode.bind(tokenizer);
    tokenizer.apply_chat_template = ((...args: Parameters<typeof render>) => {
      calls.template += 1;
      return render(...args);
    }) as typeof render;
    tokenizer.batch_decode = ((...args: Parameters<typeof batchDecode>) => {
      calls.batchDecode += 1;
      return batchDecode(...args);
    }) as typeof batchDecode;
    try {
      const result = await generateChat(
        pipe,
        {
          messages: [
            { role: "user", content: "Hi" },
            { role: "assistant", content: QWEN_ANSWER },
            { role: "user", content: "Hi again" },
          ],
          settings: { maxNewTokens: 32, temperature: 0, topP: 1, repetitionPenalty: 1 },
          thinking: false,
        },
        new AbortController().signal,
      );
      assert.equal(result.text, QWEN_ANSWER);
      assert.deepEqual(calls, { template: 1, batchDecode: 0 });
    } finally {
      tokenizer.apply_chat_template = render;
      tokenizer.batch_decode = batchDecode;
    }
  });

  it("refuses a prompt that would not fit Qwen3.5's 262,144-token context, and accepts one that does", async () => {
    const request = (maxNewTokens: number) => ({
      messages: [{ role: "user" as const, content: "Hi" }],
      settings: { maxNewTokens, temperature: 0, topP: 1, repetitionPenalty: 1 },
      thinking: false,
    });
    const { promptTokens } = await generateChat(pipe, request(1), new AbortController().signal);
    const fits = await generateChat(
      pipe,
      request(QWEN_CONTEXT_TOKENS - promptTokens),
      new AbortController().signal,
    );
    assert.equal(fits.text, QWEN_ANSWER);
    assert.equal(fits.truncated, false);
    await assert.rejects(
      generateChat(
        pipe,
        request(QWEN_CONTEXT_TOKENS - promptTokens + 1),
        new AbortController().signal,
      ),
      (error) =>
        isAppError(error) &&
        error.code === "input.too_long" &&
        JSON.stringify(error.details) ===
          JSON.stringify({ tokens: promptTokens, limit: promptTokens - 1 }),
    );
  });
});
