import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resolveKinds } from "../../src/cluster/kinds.js";
import { shouldPull } from "../../src/cluster/placement.js";
import type { WorkerHeartbeat } from "../../src/cluster/registry.js";

function worker(id: string, chat: { state: string; running: number }): WorkerHeartbeat {
  return {
    id,
    host: "h",
    pid: 1,
    kinds: ["chat"],
    startedAt: 0,
    seenAt: 0,
    budgetBytes: 1,
    inUseBytes: 0,
    models: [{ id: "chat", ...chat, queued: 0, concurrency: 1, bytes: 0 }],
  };
}

describe("placement", () => {
  const base = { kind: "chat" as const, waiting: 0 };

  it("pulls a kind whose model it holds", () => {
    const warm = [worker("b", { state: "ready", running: 0 })];
    assert.ok(shouldPull({ ...base, localState: "ready", others: warm }));
    assert.ok(shouldPull({ ...base, localState: "loading", others: warm }));
  });

  it("leaves a kind to a worker that holds its model with a free slot", () => {
    const warm = [worker("b", { state: "ready", running: 0 })];
    assert.equal(shouldPull({ ...base, localState: "unloaded", others: warm }), false);
  });

  it("pulls cold when the warm workers are full and jobs wait, or when none is warm", () => {
    const full = [worker("b", { state: "running", running: 1 })];
    assert.equal(shouldPull({ ...base, localState: "unloaded", others: full }), false);
    assert.ok(shouldPull({ ...base, waiting: 2, localState: "unloaded", others: full }));
    const cold = [worker("b", { state: "unloaded", running: 0 })];
    assert.ok(shouldPull({ ...base, localState: "unloaded", others: cold }));
    assert.ok(shouldPull({ ...base, localState: "unloaded", others: [] }));
  });
});

describe("WORKER_MODELS", () => {
  it("means every kind when empty, and both voices for tts", () => {
    assert.deepEqual(resolveKinds([]), [
      "asr",
      "vad",
      "chat",
      "ocr",
      "tts-ru",
      "tts-en",
      "vision",
      "embed",
    ]);
    assert.deepEqual(resolveKinds(["asr", "tts"]), ["asr", "vad", "tts-ru", "tts-en"]);
  });

  it("serves the vision model on its own or beside chat", () => {
    assert.deepEqual(resolveKinds(["vision"]), ["vision"]);
    assert.deepEqual(resolveKinds(["chat", "vision"]), ["chat", "vision"]);
  });
});
