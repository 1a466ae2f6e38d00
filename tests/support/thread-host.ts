/** A thread for tests/shared/thread-calls.test.ts: calls that answer, fail and end the thread. */
import { threadId } from "node:worker_threads";
import { InputError } from "../../src/shared/errors.js";
import { serveThreadCalls } from "../../src/shared/thread-calls.js";

const api = {
  threadId: async () => threadId,
  add: async (a: number, b: number) => a + b,
  refuse: async (page: number) => {
    throw new InputError("pdf.corrupt", `page ${page} can't be read`, { page });
  },
  uncloneable: async () => () => 1,
  exit: async (code: number) => process.exit(code),
};

export type TestThreadApi = typeof api;

serveThreadCalls(api);
