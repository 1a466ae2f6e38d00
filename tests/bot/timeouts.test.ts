import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Transformer } from "grammy";
import { callTimeout, downloadTimeoutMs } from "../../src/bot/timeouts.js";
import { defaultMaxQueue } from "../../src/models/manager/index.js";
import { ManualClock } from "../../src/shared/clock.js";
import { isAppError } from "../../src/shared/errors.js";

describe("network timeouts", () => {
  it("gives a download the base limit plus 1 s per 100 KB", () => {
    assert.equal(downloadTimeoutMs(undefined, 30_000), 30_000);
    assert.equal(downloadTimeoutMs(20_000_000, 30_000), 230_000);
  });

  it("ends a Bot API call that gets no answer with telegram.timeout, and never a long poll", async () => {
    const clock = new ManualClock(0);
    let seen: AbortSignal | undefined;
    const hangs = ((_method: string, _payload: unknown, signal?: AbortSignal) => {
      seen = signal;
      return new Promise((_, reject) =>
        signal?.addEventListener("abort", () => reject(new Error("aborted"))),
      );
    }) as unknown as Parameters<Transformer>[0];
    const transformer = callTimeout(clock, 2_000);
    const call = transformer(hangs, "sendMessage", { chat_id: 1, text: "x" } as never);
    const timedOut = assert.rejects(
      call,
      (error) => isAppError(error) && error.code === "telegram.timeout",
    );
    await clock.advance(1_999);
    assert.equal(seen?.aborted, false);
    await clock.advance(1);
    await timedOut;

    const answers = ((_method: string, _payload: unknown, signal?: AbortSignal) => {
      seen = signal;
      return Promise.resolve({ ok: true, result: [] });
    }) as unknown as Parameters<Transformer>[0];
    await transformer(answers, "getUpdates", {} as never);
    assert.equal(seen, undefined, "getUpdates gets no deadline signal");
  });
});

describe("queue limits sized from memory", () => {
  it("fits waiting inputs in 5% of RAM, between 4 and 1000 jobs", () => {
    const GIB = 2 ** 30;
    assert.equal(defaultMaxQueue(64 * 1024, 8 * GIB), 1000, "chat prompts: the cap");
    assert.equal(defaultMaxQueue(8 * 2 ** 20, 8 * GIB), 51, "rendered pages");
    assert.equal(
      defaultMaxQueue(38_400_000, 2 * GIB),
      4,
      "10-minute recordings on 2 GiB: the floor",
    );
  });
});
