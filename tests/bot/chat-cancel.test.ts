import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChatReply } from "../../src/services/chat/index.js";
import { cancelledError } from "../../src/shared/errors.js";
import { Harness } from "./harness.js";

/** Lets the bot's pending API calls and timers run, a bounded number of event-loop turns. */
async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; turn < 1000 && !condition(); turn++)
    await new Promise((resolve) => setImmediate(resolve));
  assert.ok(condition(), "the condition came true");
}

describe("cancelling a chat turn", () => {
  it("a turn waiting in the chat model's line shows Cancel, and pressing it takes it out", async () => {
    const h = new Harness();
    const user = h.user();
    let aborted = false;
    // A chat model busy with two others: this turn waits as number 3 until it is cancelled.
    h.services.chat.reply = (_request, options = {}): ChatReply => {
      options.onEvent?.({ type: "queued", position: 3 });
      const cancelled = new Promise<never>((_resolve, reject) => {
        options.signal?.addEventListener("abort", () => {
          aborted = true;
          reject(cancelledError(options.signal?.reason));
        });
      });
      cancelled.catch(() => undefined);
      async function* pieces(): AsyncGenerator<string> {
        yield await cancelled;
      }
      return { pieces: pieces(), done: cancelled };
    };

    const handled = h.text(user, "what is the time?");
    await until(() => h.callsOf("sendMessage").length > 0);
    const status = h.lastBotMessage()!;
    assert.match(h.sentTexts().at(-1) ?? "", /number 3 in line/);
    const markup = h.callsOf("sendMessage").at(-1)?.payload.reply_markup as {
      inline_keyboard: { callback_data: string }[][];
    };
    const data = markup.inline_keyboard.flat()[0]?.callback_data ?? "";
    assert.match(data, /^cancel:/);

    await h.press(h.user(11), data, status);
    assert.equal(aborted, false, "only the person who asked may cancel");
    await h.press(user, data, status);
    await handled;
    assert.equal(aborted, true);
    assert.equal(h.sentTexts().at(-1), "Cancelled.");
    assert.ok(h.callsOf("deleteMessage").length > 0, "the status message is gone");
  });
});
