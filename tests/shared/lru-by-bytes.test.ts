/** LruByBytes: what it keeps, what it drops first, and that every value leaving is reported. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LruByBytes } from "../../src/shared/lru-by-bytes.js";

function lru(maxBytes: number) {
  const dropped: string[] = [];
  return { cache: new LruByBytes<string>(maxBytes, (value) => dropped.push(value)), dropped };
}

describe("LruByBytes", () => {
  it("drops the least recently used while the sizes add up to more than the limit", () => {
    const { cache, dropped } = lru(10);
    cache.set("a", "A", 4);
    cache.set("b", "B", 4);
    assert.equal(cache.get("a"), "A"); // b is now the least recently used
    cache.set("c", "C", 4);
    assert.deepEqual(dropped, ["B"]);
    assert.deepEqual(
      ["a", "b", "c"].map((key) => cache.get(key)),
      ["A", undefined, "C"],
    );
  });

  it("refuses a value larger than the limit on its own, and reports it dropped", () => {
    const { cache, dropped } = lru(10);
    cache.set("a", "A", 4);
    cache.set("big", "BIG", 11);
    assert.deepEqual(dropped, ["BIG"]);
    assert.equal(cache.get("big"), undefined);
    assert.equal(cache.get("a"), "A", "what was kept stays");
  });

  it("reports a replaced or deleted value, and frees its bytes", () => {
    const { cache, dropped } = lru(10);
    cache.set("a", "A1", 6);
    cache.set("a", "A2", 6);
    cache.set("b", "B", 4);
    assert.deepEqual(dropped, ["A1"], "the replaced value; 6 + 4 fit");
    cache.delete("a");
    cache.delete("a");
    cache.set("c", "C", 6);
    assert.deepEqual(dropped, ["A1", "A2"]);
    assert.deepEqual([cache.get("b"), cache.get("c")], ["B", "C"]);
  });
});
