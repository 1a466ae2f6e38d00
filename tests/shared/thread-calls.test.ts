import assert from "node:assert/strict";
import { describe, it } from "node:test";
import os from "node:os";
import { threadId } from "node:worker_threads";
import { BACKGROUND_NICENESS } from "../../src/shared/priority.js";
import { ThreadCalls, siblingModule } from "../../src/shared/thread-calls.js";
import type { TestThreadApi } from "../support/thread-host.js";
import { nicenessOfThreadsStartedBy } from "../support/thread-niceness.js";

const HOST = siblingModule(new URL("../support/x.ts", import.meta.url).href, "thread-host");

describe("ThreadCalls", () => {
  it("runs calls in another thread and answers each by its own promise", async () => {
    const thread = new ThreadCalls<TestThreadApi>(HOST, "test");
    try {
      const [other, sums] = await Promise.all([
        thread.call("threadId"),
        Promise.all([1, 2, 3].map((n) => thread.call("add", n, 10))),
      ]);
      assert.notEqual(other, threadId);
      assert.deepEqual(sums, [11, 12, 13]);
    } finally {
      await thread.close();
    }
  });

  it("gives the caller the thread's error of the same class, code and details", async () => {
    const thread = new ThreadCalls<TestThreadApi>(HOST, "test");
    try {
      await assert.rejects(thread.call("refuse", 3), {
        name: "InputError",
        code: "pdf.corrupt",
        details: { page: 3 },
      });
      await assert.rejects(thread.call("uncloneable"), /could not be cloned/);
      // Neither failure ended the thread.
      assert.equal(await thread.call("add", 2, 2), 4);
    } finally {
      await thread.close();
    }
  });

  it("fails what a dead thread owed and starts a new thread on the next call", async () => {
    const thread = new ThreadCalls<TestThreadApi>(HOST, "test");
    try {
      const first = await thread.call("threadId");
      await assert.rejects(thread.call("exit", 3), /the test thread exited with code 3/);
      const second = await thread.call("threadId");
      assert.notEqual(second, first);
    } finally {
      await thread.close();
    }
  });

  it("starts a background thread, and the loader's thread it starts, at nice 10", async () => {
    const here = os.getPriority();
    const background = new ThreadCalls<TestThreadApi>(HOST, "test", { background: true });
    const foreground = new ThreadCalls<TestThreadApi>(HOST, "test");
    try {
      const lowered = await nicenessOfThreadsStartedBy(() => background.call("add", 1, 2));
      assert.ok(lowered.length > 1, "the thread and the loader's");
      assert.deepEqual(
        lowered.filter((nice) => nice !== BACKGROUND_NICENESS),
        [],
      );
      const kept = await nicenessOfThreadsStartedBy(() => foreground.call("add", 1, 2));
      assert.ok(kept.length > 0);
      assert.deepEqual(
        kept.filter((nice) => nice !== here),
        [],
      );
    } finally {
      await Promise.all([background.close(), foreground.close()]);
    }
  });

  it("fails calls owed when closed", async () => {
    const thread = new ThreadCalls<TestThreadApi>(HOST, "test");
    await thread.call("threadId");
    const owed = assert.rejects(thread.call("add", 1, 1), /the test thread was closed/);
    await thread.close();
    await owed;
  });
});
