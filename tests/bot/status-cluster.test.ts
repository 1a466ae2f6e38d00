import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatStatus } from "../../src/bot/status.js";
import type { StatusSnapshot } from "../../src/services/status/index.js";

/** Shows each message key with its placeables, to check what the report passes. */
const t = (key: string, args: Record<string, string | number> = {}) =>
  Object.keys(args).length ? `${key} ${JSON.stringify(args)}` : key;

const base: StatusSnapshot = {
  uptimeMs: 1_000,
  device: "cluster (workers over Redis)",
  budgetBytes: 0,
  inUseBytes: 0,
  peakBytes: 0,
  models: [],
  usage: [],
};

describe("/status of a cluster", () => {
  it("lists every worker with its models, memory and last heartbeat, and the queues", () => {
    const text = formatStatus(
      {
        ...base,
        cluster: {
          workers: [
            {
              id: "gpu-0",
              host: "box1",
              kinds: ["asr", "chat"],
              loaded: ["chat"],
              running: 1,
              inUseBytes: 4 * 2 ** 30,
              budgetBytes: 16 * 2 ** 30,
              seenMsAgo: 2_000,
            },
          ],
          queues: [{ kind: "chat", waiting: 3, active: 1 }],
        },
      },
      t,
    );
    assert.match(text, /status-workers/);
    assert.match(
      text,
      /status-worker \{"id":"gpu-0","host":"box1","kinds":"asr, chat","loaded":"chat","running":1,"used":"4.0 GiB","budget":"16.0 GiB","seen":"2 s"\}/,
    );
    assert.match(text, /status-queues \{"queues":"chat 3⏳ 1▶"\}/);
  });

  it("says so when no worker runs", () => {
    const text = formatStatus({ ...base, cluster: { workers: [], queues: [] } }, t);
    assert.match(text, /status-no-workers/);
  });

  it("has no cluster section in a single process", () => {
    assert.doesNotMatch(formatStatus(base, t), /status-workers/);
  });
});
