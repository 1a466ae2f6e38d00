import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TextTasks } from "../../src/services/chat/index.js";
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
