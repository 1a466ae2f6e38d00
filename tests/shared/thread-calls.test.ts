import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { threadId } from "node:worker_threads";
import { ThreadCalls, siblingModule } from "../../src/shared/thread-calls.js";
import type { TestThreadApi } from "../support/thread-host.js";

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

  it("fails calls owed when closed", async () => {
    const thread = new ThreadCalls<TestThreadApi>(HOST, "test");
    await thread.call("threadId");
    const owed = assert.rejects(thread.call("add", 1, 1), /the test thread was closed/);
    await thread.close();
    await owed;
  });
});
