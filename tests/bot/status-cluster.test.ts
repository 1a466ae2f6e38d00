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

  it("shows the bot's fair line of a kind where work waits in it, owners hashed", () => {
    const idle = { waiting: 0, oldestWaitMs: 0 };
    const text = formatStatus(
      {
        ...base,
        cluster: {
          workers: [],
          queues: [
            {
              kind: "ocr",
              waiting: 4,
              active: 2,
              line: {
                classes: {
                  interactive: { waiting: 1, oldestWaitMs: 2_000 },
                  batch: { waiting: 3, oldestWaitMs: 9_000 },
                },
                topOwners: [{ owner: "a1b2c3d4", waiting: 3, oldestWaitMs: 9_000 }],
              },
            },
            {
              kind: "chat",
              waiting: 0,
              active: 0,
              line: { classes: { interactive: idle, batch: idle }, topOwners: [] },
            },
          ],
        },
      },
      t,
    );
    assert.match(
      text,
      /<b>ocr<\/b>\nstatus-waiting \{"interactive":1,"interactiveWait":"2 s","batch":3,"batchWait":"9 s"\}/,
    );
    assert.match(text, /status-top-owners \{"owners":"<code>a1b2c3d4<\/code> 3 \(9 s\)"\}/);
    assert.doesNotMatch(text, /<b>chat<\/b>/, "an empty line shows nothing");
  });

  it("says so when no worker runs", () => {
    const text = formatStatus({ ...base, cluster: { workers: [], queues: [] } }, t);
    assert.match(text, /status-no-workers/);
  });

  it("has no cluster section in a single process", () => {
    assert.doesNotMatch(formatStatus(base, t), /status-workers/);
  });
});
