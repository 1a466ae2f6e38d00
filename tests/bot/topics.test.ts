import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { intoTopic } from "../../src/bot/topics.js";

describe("forum topics", () => {
  it("adds the topic to posts into its chat only, never over an explicit one", async () => {
    const seen: [string, unknown][] = [];
    const prev = (async (method: string, payload: Record<string, unknown>) => {
      seen.push([method, payload.message_thread_id]);
      return { ok: true, result: true };
    }) as never;
    const transformer = intoTopic(-100, 7);
    const call = (method: string, payload: Record<string, unknown>) =>
      transformer(prev, method as never, payload as never);
    await call("sendMessage", { chat_id: -100, text: "a" });
    await call("sendChatAction", { chat_id: -100, action: "typing" });
    await call("sendVoice", { chat_id: -100, voice: "x" });
    await call("sendMessage", { chat_id: -200, text: "other chat" });
    await call("sendMessage", { chat_id: -100, text: "b", message_thread_id: 3 });
    await call("editMessageText", { chat_id: -100, message_id: 1, text: "c" });
    assert.deepEqual(seen, [
      ["sendMessage", 7],
      ["sendChatAction", 7],
      ["sendVoice", 7],
      ["sendMessage", undefined],
      ["sendMessage", 3],
      ["editMessageText", undefined],
    ]);
  });
});
