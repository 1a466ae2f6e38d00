import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import type { WorkClass } from "../../src/models/contract.js";
import {
  FairQueue,
  INTERACTIVE_TIME_PER_AGED_BATCH,
  TOP_OWNERS,
  hashOwner,
  summarizeLine,
} from "../../src/models/scheduler/index.js";

const AGING_MS = 20_000;

/** A line of named pieces; a piece's name is `<owner><n>`, e.g. "a1". */
function line(pieces: [name: string, workClass?: WorkClass, at?: number][]): FairQueue<string> {
  const queue = new FairQueue<string>({ agingMs: AGING_MS });
  for (const [name, workClass = "interactive", at = 0] of pieces) {
    queue.push(name, name.replace(/\d+$/, ""), workClass, at);
  }
  return queue;
}

/** Shifts everything at time `now`, in the order the line serves it. */
function drain(queue: FairQueue<string>, now: number): string[] {
  const served: string[] = [];
  for (let next = queue.shift(now); next !== undefined; next = queue.shift(now)) served.push(next);
  return served;
}

describe("FairQueue", () => {
  it("takes turns between owners, one piece each, each owner's own pieces in order", () => {
    const queue = line([["a1"], ["a2"], ["a3"], ["a4"], ["a5"], ["b1"], ["b2"], ["c1"]]);
    assert.deepEqual(drain(queue, 0), ["a1", "b1", "c1", "a2", "b2", "a3", "a4", "a5"]);
    assert.equal(queue.size, 0);
    assert.equal(queue.shift(0), undefined);
  });

  it("costs a newcomer at most one piece of another owner's backlog", () => {
    const queue = line(Array.from({ length: 10 }, (_, i) => [`a${i + 1}`] as [string]));
    assert.equal(queue.shift(0), "a1");
    queue.push("b1", "b", "interactive", 5);
    assert.deepEqual(drain(queue, 5).slice(0, 2), ["a2", "b1"]);
  });

  it("puts an owner who emptied their line at the back of the ring when they return", () => {
    const queue = line([["a1"], ["b1"], ["b2"]]);
    assert.equal(queue.shift(0), "a1");
    queue.push("a2", "a", "interactive", 1);
    assert.deepEqual(drain(queue, 1), ["b1", "a2", "b2"]);
  });

  it("serves owners oldest-first when asked: the owner whose next piece waited longest goes", () => {
    const queue = new FairQueue<string>({ agingMs: AGING_MS, turns: "oldest-first" });
    queue.push("a1", "a", "interactive", 10);
    queue.push("a2", "a", "interactive", 11);
    queue.push("b1", "b", "interactive", 12);
    queue.push("c1", "c", "interactive", 5);
    queue.push("b2", "b", "interactive", 30);
    // In turn it would be a1 b1 c1 a2 b2: here c1 (5) goes first and a2 (11) before b1 (12).
    assert.deepEqual(drain(queue, 40), ["c1", "a1", "a2", "b1", "b2"]);
  });

  it("serves interactive work before batch work that waited less than the aging time", () => {
    const queue = line([
      ["a1", "batch", 0],
      ["a2", "batch", 0],
      ["b1", "interactive", 1_000],
      ["a3", "interactive", 2_000],
    ]);
    assert.deepEqual(drain(queue, AGING_MS - 1), ["b1", "a3", "a1", "a2"]);
  });

  it("lets aged batch work take one turn in four while run times are unknown", () => {
    assert.equal(INTERACTIVE_TIME_PER_AGED_BATCH, 3);
    const pieces: [string, WorkClass, number][] = [
      ["a1", "batch", 0],
      ["b1", "batch", 0],
      ["c1", "batch", 15_000],
      ...["x", "y", "z", "w", "v", "u", "t", "s"].map(
        (owner) => [`${owner}1`, "interactive", 19_000] as [string, WorkClass, number],
      ),
    ];
    // Before anything aged: all interactive first.
    assert.deepEqual(line(pieces).order(AGING_MS - 1), [
      ...["x1", "y1", "z1", "w1", "v1", "u1", "t1", "s1"],
      ...["a1", "b1", "c1"],
    ]);
    // a1 and b1 have aged, c1 not yet: an aged piece, then three interactive ones, until
    // no aged piece is left.
    assert.deepEqual(drain(line(pieces), AGING_MS), [
      ...["a1", "x1", "y1", "z1"],
      ...["b1", "w1", "v1", "u1", "t1", "s1"],
      "c1",
    ]);
    // Later every batch piece has aged; interactive work still gets three turns in four.
    assert.deepEqual(drain(line(pieces), 60_000), [
      ...["a1", "x1", "y1", "z1"],
      ...["b1", "w1", "v1", "u1"],
      ...["c1", "t1", "s1"],
    ]);
  });

  it("gives aged batch work a quarter of the model's time, counting what pieces ran", () => {
    const queue = line([
      ["a1", "batch", 0],
      ["a2", "batch", 0],
      ...Array.from(
        { length: 14 },
        (_, i) => [`q${i + 1}`, "interactive", 0] as [string, WorkClass, number],
      ),
    ]);
    /** Shifts at the aging time; the piece runs `runMs`. */
    const run = (runMs: number) => {
      const piece = queue.shift(AGING_MS)!;
      queue.finished(piece, runMs);
      return piece;
    };
    assert.equal(run(300), "a1", "aged batch work first");
    assert.equal(run(100), "q1");
    // a1's 300 ms buy 900 ms of questions; q1 took 100 of them and each runs 100 ms.
    assert.deepEqual(queue.order(AGING_MS).slice(0, 9), [
      ...["q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9"],
      "a2",
    ]);
    const served = Array.from({ length: 9 }, () => run(100));
    assert.deepEqual(served, [...["q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9"], "a2"]);
    // a2 ran 100 ms, shorter than the mean: three questions' worth, then batch again.
    queue.push("a3", "a", "batch", 0);
    assert.deepEqual([run(100), run(100), run(100), run(100)], ["q10", "q11", "q12", "a3"]);
  });

  it("counts nothing for a piece taken and then withdrawn", () => {
    const queue = line([
      ["a1", "batch", 0],
      ["a2", "batch", 0],
      ["q1", "interactive", 0],
    ]);
    const first = queue.shift(AGING_MS)!;
    assert.equal(first, "a1");
    queue.withdrawn(first);
    assert.equal(queue.shift(AGING_MS), "a2", "a1 took no time: batch's turn still");
  });

  it("keeps whose turn it is across shifts when aged batch work keeps coming", () => {
    const queue = line([
      ["a1", "batch", 0],
      ["a2", "batch", 0],
      ["x1", "interactive", 0],
      ["x2", "interactive", 0],
      ["x3", "interactive", 0],
      ["x4", "interactive", 0],
    ]);
    assert.equal(queue.shift(AGING_MS), "a1");
    assert.deepEqual(queue.order(AGING_MS), ["x1", "x2", "x3", "a2", "x4"]);
    assert.equal(queue.shift(AGING_MS), "x1");
    assert.deepEqual(queue.order(AGING_MS), ["x2", "x3", "a2", "x4"]);
    assert.equal(queue.shift(AGING_MS), "x2");
    assert.equal(queue.shift(AGING_MS), "x3");
    assert.equal(queue.shift(AGING_MS), "a2");
  });

  it("tells each piece's place without changing the line", () => {
    const queue = line([["a1"], ["a2"], ["b1", "batch"], ["c1"]]);
    const order = queue.order(0);
    assert.deepEqual(order, ["a1", "c1", "a2", "b1"]);
    assert.equal(queue.size, 4);
    assert.deepEqual(queue.order(0), order);
    assert.deepEqual(drain(queue, 0), order);
  });

  it("removes a waiting piece and closes the gap; the owner leaves the ring with its last piece", () => {
    const queue = line([["a1"], ["a2"], ["b1"], ["c1", "batch"]]);
    assert.equal(queue.remove("b1"), true);
    assert.equal(queue.remove("c1"), true);
    assert.equal(queue.remove("b1"), false, "no longer waiting");
    assert.equal(queue.remove("zz"), false, "never waited");
    assert.equal(queue.waitingOf("b"), 0);
    assert.deepEqual(queue.order(0), ["a1", "a2"]);
    queue.push("b2", "b", "interactive", 0);
    assert.deepEqual(drain(queue, 0), ["a1", "b2", "a2"]);
  });

  it("counts each owner's waiting pieces in both classes and empties on clear", () => {
    const queue = line([["a1"], ["a2", "batch"], ["b1"]]);
    assert.equal(queue.waitingOf("a"), 2);
    assert.equal(queue.waitingOf("b"), 1);
    assert.equal(queue.waitingOf("c"), 0);
    assert.deepEqual(queue.clear().sort(), ["a1", "a2", "b1"]);
    assert.equal(queue.size, 0);
    assert.equal(queue.shift(0), undefined);
  });

  it("snapshots waiting work per class and per owner, most waiting first", () => {
    assert.deepEqual(line([]).snapshot(0), {
      classes: {
        interactive: { waiting: 0, oldestWaitMs: 0 },
        batch: { waiting: 0, oldestWaitMs: 0 },
      },
      owners: [],
    });
    const queue = line([
      ["a1", "batch", 1_000],
      ["a2", "batch", 2_000],
      ["b1", "interactive", 3_000],
      ["c1", "interactive", 500],
      ["a3", "interactive", 4_000],
    ]);
    assert.deepEqual(queue.snapshot(10_000), {
      classes: {
        interactive: { waiting: 3, oldestWaitMs: 9_500 },
        batch: { waiting: 2, oldestWaitMs: 9_000 },
      },
      owners: [
        { owner: "a", waiting: 3, oldestWaitMs: 9_000 },
        { owner: "c", waiting: 1, oldestWaitMs: 9_500 },
        { owner: "b", waiting: 1, oldestWaitMs: 7_000 },
      ],
    });
  });
});

describe("summarizeLine", () => {
  it("keeps the top owners only, their ids hashed to a short sha256 prefix", () => {
    const queue = new FairQueue<string>({ agingMs: AGING_MS });
    for (let owner = 1; owner <= 8; owner++) {
      for (let piece = 0; piece < owner; piece++)
        queue.push(`${owner}-${piece}`, `tg:${owner}`, "batch", 0);
    }
    const summary = summarizeLine(queue.snapshot(1_000));
    assert.equal(summary.classes.batch.waiting, 36);
    assert.equal(summary.topOwners.length, TOP_OWNERS);
    assert.deepEqual(
      summary.topOwners.map((owner) => owner.waiting),
      [8, 7, 6, 5, 4],
    );
    const expected = hashOwner("tg:8");
    assert.equal(summary.topOwners[0]?.owner, expected);
    assert.equal(hashOwner("tg:8"), expected, "stable within the process");
    assert.notEqual(hashOwner("tg:9"), expected);
    // Keyed: nobody can recompute it from the id alone.
    assert.notEqual(expected, createHash("sha256").update("tg:8").digest("hex").slice(0, 8));
    assert.ok(summary.topOwners.every((owner) => /^[0-9a-f]{8}$/.test(owner.owner)));
    assert.ok(!JSON.stringify(summary).includes("tg:"), "no raw owner id");
  });
});
