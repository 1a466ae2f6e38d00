import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock } from "../../src/shared/clock.js";
import { repeatAfter } from "../../src/shared/repeat.js";

describe("repeatAfter", () => {
  it("runs the task each interval after the last run, goes on after a failure, stops when told", async () => {
    const clock = new ManualClock();
    const errors: unknown[] = [];
    let runs = 0;
    const repeating = repeatAfter(
      clock,
      1000,
      async () => {
        runs++;
        if (runs === 2) throw new Error("redis hiccup");
      },
      (error) => errors.push(error),
    );
    assert.equal(runs, 0, "the first run waits one interval");
    await clock.advance(1000);
    await clock.advance(1000);
    await clock.advance(1000);
    assert.equal(runs, 3);
    assert.deepEqual(
      errors.map((error) => (error as Error).message),
      ["redis hiccup"],
    );
    repeating.stop();
    await clock.advance(5000);
    assert.equal(runs, 3, "no run after stop");
  });
});
