import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { chooseVictims } from "../../src/models/manager/eviction.js";
import type { EvictionCandidate } from "../../src/models/manager/eviction.js";
import { DecayingCount } from "../../src/models/manager/decaying-count.js";
import { RollingWindow } from "../../src/models/manager/rolling-window.js";

const GB = 1e9;

function candidate(id: string, gb: number, idleMs: number, extra: Partial<EvictionCandidate> = {}) {
  return {
    id,
    bytes: gb * GB,
    loadCostMs: 5_000,
    idleMs,
    recentRequests: 0,
    pinned: false,
    ...extra,
  };
}

const ids = (victims: EvictionCandidate[] | undefined) => victims?.map((victim) => victim.id);

describe("chooseVictims", () => {
  it("takes nothing when nothing is short", () => {
    assert.deepEqual(chooseVictims([candidate("a", 4, 0)], 0), []);
  });

  it("prefers the model idle longest among equal ones", () => {
    const victims = chooseVictims([candidate("a", 4, 1_000), candidate("b", 4, 90_000)], 3 * GB);
    assert.deepEqual(ids(victims), ["b"]);
  });

  it("evicts two long-idle models rather than one just used", () => {
    const victims = chooseVictims(
      [candidate("hot", 6, 0), candidate("old1", 3, 3_600_000), candidate("old2", 3, 3_600_000)],
      5 * GB,
    );
    assert.deepEqual(ids(victims), ["old1", "old2"]);
  });

  it("evicts one model rather than two when they are comparably recent", () => {
    const victims = chooseVictims(
      [candidate("big", 6, 10_000), candidate("s1", 3, 10_000), candidate("s2", 3, 10_000)],
      5 * GB,
    );
    assert.deepEqual(ids(victims), ["big"]);
  });

  it("keeps the model that costs more to reload", () => {
    const victims = chooseVictims(
      [candidate("slow", 4, 10_000, { loadCostMs: 20_000 }), candidate("fast", 4, 10_000)],
      1 * GB,
    );
    assert.deepEqual(ids(victims), ["fast"]);
  });

  it("keeps a model in steady demand over a rarely used one idle for less time", () => {
    // The bench's commonest wrong choice: chat evicted for ASR while OCR, idle about as
    // long and slower to reload, would not be needed for minutes.
    const chat = candidate("chat", 4.5, 20_000, { recentRequests: 40 });
    const ocr = candidate("ocr", 6.5, 9_000, { loadCostMs: 8_000, recentRequests: 2 });
    assert.deepEqual(ids(chooseVictims([chat, ocr], 3 * GB)), ["ocr"]);
  });

  it("touches pinned models only when the unpinned cannot free enough", () => {
    const pinned = candidate("pinned", 6, 3_600_000, { pinned: true });
    assert.deepEqual(ids(chooseVictims([pinned, candidate("a", 3, 0)], 2 * GB)), ["a"]);
    assert.deepEqual(ids(chooseVictims([pinned, candidate("a", 3, 0)], 5 * GB)), ["pinned"]);
  });

  it("returns undefined when all candidates together free too little", () => {
    assert.equal(chooseVictims([candidate("a", 3, 0), candidate("b", 2, 0)], 6 * GB), undefined);
  });

  it("falls back to a greedy cover for many candidates", () => {
    const many = Array.from({ length: 20 }, (_, i) => candidate(`m${i}`, 1, i * 1_000));
    const victims = chooseVictims(many, 3 * GB);
    assert.deepEqual(ids(victims), ["m19", "m18", "m17"]);
  });
});

describe("DecayingCount", () => {
  it("counts events with weights that fall by e every time constant", () => {
    const count = new DecayingCount(1_000);
    assert.equal(count.valueAt(0), 0);
    count.add(0);
    count.add(0);
    assert.equal(count.valueAt(0), 2);
    assert.ok(Math.abs(count.valueAt(1_000) - 2 / Math.E) < 1e-12);
    count.add(2_000);
    assert.ok(Math.abs(count.valueAt(2_000) - (1 + 2 / Math.E ** 2)) < 1e-12);
    assert.throws(() => new DecayingCount(0), RangeError);
  });
});

describe("RollingWindow", () => {
  it("computes nearest-rank percentiles over the last samples only", () => {
    const window = new RollingWindow(10);
    assert.equal(window.percentile(50), undefined);
    for (let i = 1; i <= 30; i++) window.push(i);
    assert.equal(window.size, 10);
    assert.equal(window.percentile(50), 25);
    assert.equal(window.percentile(95), 30);
    assert.equal(window.percentile(0), 21);
  });
});
