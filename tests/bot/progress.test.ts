/**
 * The status message's edit pace on a manual clock: one edit per interval, identical texts
 * skipped, and places far back in a long line told less often.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Api } from "grammy";
import { ProgressMessage, paceOf } from "../../src/bot/progress.js";
import { ManualClock } from "../../src/shared/clock.js";

/** The Bot API calls a status message makes, as [method, text] at the clock's time. */
function recordingApi(clock: ManualClock) {
  const calls: [number, string, string][] = [];
  const api = {
    sendMessage: async (_chat: number, text: string) => {
      calls.push([clock.now(), "sendMessage", text]);
      return { message_id: 7 };
    },
    editMessageText: async (_chat: number, _id: number, text: string) => {
      calls.push([clock.now(), "editMessageText", text]);
      return true;
    },
    deleteMessage: async () => {
      calls.push([clock.now(), "deleteMessage", ""]);
      return true;
    },
  };
  return { api: api as unknown as Api, calls };
}

describe("ProgressMessage", () => {
  it("edits at most once per interval, the latest text, and skips unchanged ones", async () => {
    const clock = new ManualClock(0);
    const { api, calls } = recordingApi(clock);
    const message = new ProgressMessage(api, 1, clock, { editIntervalMs: 1_000 });
    message.show("a");
    await clock.advance(100);
    message.show("b");
    message.show("c");
    await clock.advance(2_000);
    message.show("c");
    await clock.advance(2_000);
    await message.close();
    assert.deepEqual(calls, [
      [0, "sendMessage", "a"],
      [1_000, "editMessageText", "c"],
      [4_100, "deleteMessage", ""],
    ]);
  });

  it("tells a place far back in line less often than one near the front", async () => {
    assert.deepEqual(
      [1, 5, 6, 10, 11, 100].map((position) => paceOf({ type: "queued", position }).spacing),
      [1, 1, 2, 2, 3, 20],
    );
    assert.equal(paceOf({ type: "running" }).spacing, 1);
    assert.equal(paceOf({ type: "page", page: 3, pages: 12 }).spacing, 1);

    const clock = new ManualClock(0);
    const { api, calls } = recordingApi(clock);
    const message = new ProgressMessage(api, 1, clock, { editIntervalMs: 1_000 });
    message.show("number 12 in line");
    const place11 = { type: "queued", position: 11 } as const;
    message.show("number 11 in line", paceOf(place11));
    await clock.advance(2_999);
    assert.equal(calls.length, 1, "three intervals for the 11th place");
    await clock.advance(1);
    assert.deepEqual(calls.at(-1), [3_000, "editMessageText", "number 11 in line"]);
  });

  it("sends a delayed status only if it is still wanted when its time comes", async () => {
    const clock = new ManualClock(0);
    const { api, calls } = recordingApi(clock);
    const quick = new ProgressMessage(api, 1, clock, { appearAfterMs: 1_000 });
    quick.show("number 2 in line");
    await clock.advance(999);
    await quick.close();
    await clock.advance(5_000);
    assert.deepEqual(calls, [], "answered within the second: no status at all");

    const slow = new ProgressMessage(api, 1, clock, { appearAfterMs: 1_000, editIntervalMs: 0 });
    slow.show("number 3 in line");
    await clock.advance(500);
    slow.show("number 2 in line");
    await clock.advance(500);
    await slow.close();
    assert.deepEqual(calls, [
      [6_999, "sendMessage", "number 2 in line"],
      [6_999, "deleteMessage", ""],
    ]);
  });

  it("says a model load at once, even where the message waits before it appears", async () => {
    assert.equal(paceOf({ type: "loading" }).immediately, true);
    assert.equal(paceOf({ type: "queued", position: 2 }).immediately, false);
    const clock = new ManualClock(0);
    const { api, calls } = recordingApi(clock);
    const message = new ProgressMessage(api, 1, clock, { appearAfterMs: 1_000 });
    message.show("Loading the model…", paceOf({ type: "loading" }));
    await clock.advance(0);
    assert.deepEqual(calls, [[0, "sendMessage", "Loading the model…"]]);
  });
});
