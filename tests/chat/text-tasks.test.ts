import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TextTasks } from "../../src/services/chat/index.js";
import { RecordingHandle } from "../support/model-handle.js";
import { stubChat } from "./stub-chat.js";

describe("text tasks", () => {
  it("summarizes with a prompt in the text's language", async () => {
    const chat = stubChat(() => ["<think>hm</think>", "Коротко: ", "всё хорошо."]);
    const tasks = new TextTasks({ model: chat.handle });
    const summary = await tasks.summarize("Длинный текст о том, что всё хорошо.", "ru");
    assert.equal(summary, "Коротко: всё хорошо.");
    assert.match(chat.calls[0]!.messages[0]!.content, /Кратко перескажи/);
    assert.equal(chat.calls[0]!.messages[1]!.content, "Длинный текст о том, что всё хорошо.");
  });

  it("translates long text chunk by chunk into the target language, in order", async () => {
    let n = 0;
    const chat = stubChat(() => [`part ${++n}`]);
    const tasks = new TextTasks({ model: chat.handle, maxChunkChars: 30 });
    const text = "Первый абзац текста здесь.\n\nВторой абзац текста здесь.";
    assert.equal(await tasks.translate(text, "en"), "part 1\n\npart 2");
    assert.equal(chat.calls.length, 2);
    assert.match(chat.calls[0]!.messages[0]!.content, /into English/);
    assert.equal(chat.calls[1]!.messages[1]!.content, "Второй абзац текста здесь.");
  });

  it("a short task keeps its class; a long text's chunks are batch jobs of its owner", async () => {
    const model = new RecordingHandle(stubChat(() => ["done"]).handle);
    const tasks = new TextTasks({ model, maxChunkChars: 30 });
    await tasks.summarize("Короткий текст.", "ru", { owner: "tg:6" });
    await tasks.translate("Первый абзац текста здесь.\n\nВторой абзац текста здесь.", "en", {
      owner: "tg:6",
    });
    assert.deepEqual(model.scheduling(), [
      { owner: "tg:6", workClass: "interactive" },
      { owner: "tg:6", workClass: "batch" },
      { owner: "tg:6", workClass: "batch" },
    ]);
  });

  it("stops when cancelled", async () => {
    const chat = stubChat(() => ["a", "b"]);
    const tasks = new TextTasks({ model: chat.handle });
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(tasks.translate("text", "ru", { signal: controller.signal }), {
      code: "job.cancelled",
    });
  });
});
