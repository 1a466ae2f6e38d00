import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Store } from "../../src/memory/index.js";
import { ChatService, DEFAULT_SYSTEM_PROMPT } from "../../src/services/chat/index.js";
import { isAppError, ModelError } from "../../src/shared/errors.js";
import { RecordingHandle } from "../support/model-handle.js";
import { SETTINGS, silent, stubChat } from "./stub-chat.js";

const dialog = { chatId: 5, userId: 5 };

describe("ChatService", () => {
  it("stores nothing and reports the error when the model fails", async () => {
    const store = Store.open(":memory:");
    const failing = {
      id: "chat",
      run: async () => {
        throw new ModelError("model.missing", "no weights");
      },
    };
    const chat = new ChatService({
      model: failing,
      history: store.history,
      settings: SETTINGS,
      logger: silent,
    });
    const reply = chat.reply({ ...dialog, text: "hi", kind: "text" });
    await assert.rejects(
      (async () => {
        for await (const _ of reply.pieces) assert.fail("no pieces expected");
      })(),
      (error) => isAppError(error) && error.code === "model.missing",
    );
    await assert.rejects(
      reply.done,
      (error) => isAppError(error) && error.code === "model.missing",
    );
    assert.deepEqual(store.history.recent(dialog), []);
  });

  it("rejects an empty message with a typed error", async () => {
    const { handle, calls } = stubChat(() => ["unused"]);
    const chat = new ChatService({
      model: handle,
      history: Store.open(":memory:").history,
      settings: SETTINGS,
      logger: silent,
    });
    await assert.rejects(
      chat.reply({ ...dialog, text: "  \n", kind: "text" }).done,
      (error) => isAppError(error) && error.code === "input.empty",
    );
    assert.equal(calls.length, 0);
  });

  it("uses the configured system prompt, or a default that asks for the user's language", async () => {
    const { handle, calls } = stubChat(() => ["ok"]);
    const history = Store.open(":memory:").history;
    await new ChatService({ model: handle, history, settings: SETTINGS, logger: silent }).reply({
      ...dialog,
      text: "a",
      kind: "text",
    }).done;
    await new ChatService({
      model: handle,
      history,
      settings: { ...SETTINGS, systemPrompt: "Custom." },
      logger: silent,
    }).reply({
      ...dialog,
      text: "b",
      kind: "text",
    }).done;
    assert.equal(calls[0]!.messages[0]!.content, DEFAULT_SYSTEM_PROMPT);
    assert.match(DEFAULT_SYSTEM_PROMPT, /language of the user's latest message/);
    assert.equal(calls[1]!.messages[0]!.content, "Custom.");
    assert.deepEqual(calls[1]!.request.settings, {
      maxNewTokens: SETTINGS.maxNewTokens,
      temperature: SETTINGS.temperature,
      topP: SETTINGS.topP,
      repetitionPenalty: SETTINGS.repetitionPenalty,
    });
  });

  it("passes queue events through and aborts the model when the caller's signal fires", async () => {
    const { handle, calls } = stubChat(() => ["a ", "b ", "c ", "d"]);
    const chat = new ChatService({
      model: handle,
      history: Store.open(":memory:").history,
      settings: SETTINGS,
      logger: silent,
    });
    const controller = new AbortController();
    const reply = chat.reply(
      { ...dialog, text: "x", kind: "text" },
      { signal: controller.signal, onEvent: () => undefined },
    );
    const iterator = reply.pieces[Symbol.asyncIterator]();
    assert.deepEqual(await iterator.next(), { value: "a ", done: false });
    controller.abort();
    await assert.rejects(
      reply.done,
      (error) => isAppError(error) && error.code === "job.cancelled",
    );
    assert.equal(calls[0]!.signal?.aborted, true);
  });

  it("runs a reply as one job of its owner, interactive unless asked otherwise", async () => {
    const model = new RecordingHandle(stubChat(() => ["ok"]).handle);
    const chat = new ChatService({
      model,
      history: Store.open(":memory:").history,
      settings: SETTINGS,
      logger: silent,
    });
    await chat.reply({ ...dialog, text: "x", kind: "text" }, { owner: "tg:5" }).done;
    await chat.reply({ ...dialog, text: "y", kind: "text" }, { owner: "tg:5", workClass: "batch" })
      .done;
    assert.deepEqual(model.scheduling(), [
      { owner: "tg:5", workClass: undefined },
      { owner: "tg:5", workClass: "batch" },
    ]);
  });

  it("completes a conversation sent whole: its system prompt and limits, reasoning filtered, nothing stored", async () => {
    const { handle, calls } = stubChat(() => ["<think>hmm</think>", "An ", "answer"]);
    const store = Store.open(":memory:");
    const chat = new ChatService({
      model: handle,
      history: store.history,
      settings: { ...SETTINGS, historyTokens: 40 },
      logger: silent,
    });
    const reply = chat.complete({
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "an old question, far too long for the budget" },
        { role: "assistant", content: "old answer" },
        { role: "user", content: "short" },
        { role: "assistant", content: "ok" },
        { role: "user", content: "now?" },
      ],
      maxNewTokens: 7,
      temperature: 0,
    });
    let text = "";
    for await (const piece of reply.pieces) text += piece;
    assert.equal(text, "An answer");
    const outcome = await reply.done;
    assert.equal(outcome.text, "An answer");
    assert.equal(outcome.historyTurns, 2, "the newest turns that fit the budget");
    assert.deepEqual(calls[0]?.messages, [
      { role: "system", content: "Be brief." },
      { role: "user", content: "short" },
      { role: "assistant", content: "ok" },
      { role: "user", content: "now?" },
    ]);
    assert.equal(calls[0]?.request.settings.maxNewTokens, 7);
    assert.equal(calls[0]?.request.settings.temperature, 0);
    assert.deepEqual(store.history.recent(dialog), []);
    await assert.rejects(
      chat.complete({ messages: [{ role: "assistant", content: "me first" }] }).done,
      (error) => isAppError(error) && error.code === "input.empty",
    );
  });
});
