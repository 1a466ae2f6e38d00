/**
 * The job layer's cache of fetched pictures, on a manual clock: follow-ups don't fetch
 * again, and what is kept is bounded in bytes and in time.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PictureCache } from "../../src/jobs/picture-cache.js";
import type { PictureRef } from "../../src/jobs/pictures.js";
import { ManualClock } from "../../src/shared/clock.js";

const ref = (uniqueId: string): PictureRef => ({ fileId: `file-${uniqueId}`, uniqueId });

/** A fetcher of `size`-byte pictures that counts its calls per picture. */
function countingFetcher(size = 10) {
  const fetched: string[] = [];
  const fetch = async (picture: PictureRef) => {
    fetched.push(picture.uniqueId);
    return new Uint8Array(size).fill(fetched.length);
  };
  return { fetch, fetched };
}

describe("PictureCache", () => {
  it("answers a picture fetched lately from memory, the same bytes", async () => {
    const clock = new ManualClock(0);
    const { fetch, fetched } = countingFetcher();
    const cached = new PictureCache({ maxBytes: 100, maxAgeMs: 60_000, clock }).through(fetch);
    const first = await cached(ref("a"));
    assert.deepEqual(await cached(ref("a")), first);
    await cached(ref("b"));
    assert.deepEqual(fetched, ["a", "b"]);
  });

  it("fetches again once a picture was kept maxAgeMs, however often it was used", async () => {
    const clock = new ManualClock(0);
    const { fetch, fetched } = countingFetcher();
    const cached = new PictureCache({ maxBytes: 100, maxAgeMs: 60_000, clock }).through(fetch);
    await cached(ref("a"));
    await clock.advance(59_999);
    await cached(ref("a"));
    await clock.advance(1);
    await cached(ref("a"));
    assert.deepEqual(fetched, ["a", "a"]);
  });

  it("keeps at most maxBytes, dropping the least recently used first", async () => {
    const clock = new ManualClock(0);
    const { fetch, fetched } = countingFetcher(40);
    const cached = new PictureCache({ maxBytes: 100, maxAgeMs: 60_000, clock }).through(fetch);
    await cached(ref("a"));
    await cached(ref("b"));
    await cached(ref("a")); // a is now the most recently used
    await cached(ref("c")); // 120 bytes: b goes
    await cached(ref("a"));
    await cached(ref("c"));
    await cached(ref("b"));
    assert.deepEqual(fetched, ["a", "b", "c", "b"]);
  });

  it("doesn't keep a picture larger than the whole cache", async () => {
    const clock = new ManualClock(0);
    const { fetch, fetched } = countingFetcher(101);
    const cached = new PictureCache({ maxBytes: 100, maxAgeMs: 60_000, clock }).through(fetch);
    await cached(ref("a"));
    await cached(ref("a"));
    assert.deepEqual(fetched, ["a", "a"]);
  });
});
