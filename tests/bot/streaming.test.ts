/**
 * Streaming an answer on a manual clock. In a group the message is shown only once an
 * interval has passed since the answer was asked for, so a quick answer is one message, not
 * a message and its edit; in a private chat the first words are drafted at once.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Api } from "grammy";
import { streamAnswer } from "../../src/bot/streaming.js";
import { ManualClock } from "../../src/shared/clock.js";

function recordingApi(clock: ManualClock) {
  const calls: [number, string, string][] = [];
  const record = (method: string, text: string) => calls.push([clock.now(), method, text]);
  const api = {
    sendMessageDraft: async (_chat: number, _draft: number, text: string) => {
      record("sendMessageDraft", text);
      return true;
    },
    sendMessage: async (_chat: number, text: string) => {
      record("sendMessage", text);
      return { message_id: 5, text };
    },
    editMessageText: async (_chat: number, _id: number, text: string) => {
      record("editMessageText", text);
      return { message_id: 5, text };
    },
  };
  return { api: api as unknown as Api, calls };
}

/** Yields `pieces`, moving the clock by each one's delay before it. */
async function* arriving(clock: ManualClock, pieces: [delayMs: number, text: string][]) {
  for (const [delayMs, text] of pieces) {
    await clock.advance(delayMs);
    yield text;
  }
}

const inGroup = (clock: ManualClock) => ({ clock, useDrafts: false, editIntervalMs: 1_500 });

describe("streamAnswer", () => {
  it("sends a group a quick answer as one message, not a message and its edit", async () => {
    const clock = new ManualClock(0);
    const { api, calls } = recordingApi(clock);
    const pieces = arriving(clock, [
      [500, "Four"],
      [500, "."],
    ]);
    assert.equal(await streamAnswer(api, -1, pieces, inGroup(clock)), "Four.");
    assert.deepEqual(calls, [[1_000, "sendMessage", "Four."]]);
  });

  it("shows a group a slower answer as it comes, then edits it to the end", async () => {
    const clock = new ManualClock(0);
    const { api, calls } = recordingApi(clock);
    const pieces = arriving(clock, [
      [1_600, "The answer"],
      [500, " is"],
      [1_000, " four."],
    ]);
    await streamAnswer(api, -1, pieces, inGroup(clock));
    assert.deepEqual(calls, [
      [1_600, "sendMessage", "The answer"],
      [3_100, "editMessageText", "The answer is four."],
      [3_100, "editMessageText", "The answer is four."],
    ]);
  });

  it("drafts a private chat's first words at once", async () => {
    const clock = new ManualClock(0);
    const { api, calls } = recordingApi(clock);
    const pieces = arriving(clock, [
      [50, "Four"],
      [50, "."],
    ]);
    await streamAnswer(api, 1, pieces, { clock, useDrafts: true, draftIntervalMs: 300 });
    assert.deepEqual(calls, [
      [50, "sendMessageDraft", "Four"],
      [100, "sendMessage", "Four."],
    ]);
  });
});
