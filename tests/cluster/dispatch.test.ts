/**
 * The bot's fair dispatcher on its own (no Redis): what it hands BullMQ and when, and the
 * places in line it reports, on a clock passed in.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FairDispatcher, PRIORITY } from "../../src/cluster/dispatch.js";
import type { WorkClass } from "../../src/models/contract.js";

interface TestJob {
  readonly name: string;
  readonly owner: string;
  readonly workClass: WorkClass;
  readonly bytes: number;
}

const job = (
  name: string,
  owner: string,
  workClass: WorkClass = "interactive",
  bytes = 1,
): TestJob => ({ name, owner, workClass, bytes });
const names = (jobs: readonly TestJob[]) => jobs.map((entry) => entry.name);
const places = (positions: Map<TestJob, number>) =>
  Object.fromEntries([...positions].map(([entry, place]) => [entry.name, place]));

describe("fair dispatcher (the bot's line of a cluster kind)", () => {
  it("hands BullMQ no more than the capacity, and the next job in fair order as one settles", () => {
    const line = new FairDispatcher<TestJob>({ agingMs: 60_000 });
    const flood = Array.from({ length: 20 }, (_, i) => job(`a${i + 1}`, "tg:1", "batch"));
    for (const entry of flood) line.enqueue(entry, 0);
    assert.deepEqual(names(line.take(2, 0)), ["a1", "a2"]);
    const b = job("b", "tg:2");
    line.enqueue(b, 1);
    assert.deepEqual(line.take(2, 2), [], "full: nothing more until one settles");
    line.drop(flood[0]!, 3);
    assert.deepEqual(names(line.take(2, 3)), ["b"], "the question goes before the backlog");
    line.drop(flood[1]!, 4);
    line.drop(b, 4);
    assert.deepEqual(names(line.take(2, 4)), ["a3", "a4"], "the owner's own order is kept");
  });

  it("takes owners in turn within a class", () => {
    const line = new FairDispatcher<TestJob>({ agingMs: 60_000 });
    for (const name of ["a1", "a2", "a3"]) line.enqueue(job(name, "tg:1"), 0);
    for (const name of ["b1", "b2"]) line.enqueue(job(name, "tg:2"), 0);
    line.enqueue(job("c1", "tg:3"), 0);
    assert.deepEqual(names(line.take(6, 0)), ["a1", "b1", "c1", "a2", "b2", "a3"]);
  });

  it("lets batch work that waited the aging time go first", () => {
    const fresh = new FairDispatcher<TestJob>({ agingMs: 1_000 });
    const aged = new FairDispatcher<TestJob>({ agingMs: 1_000 });
    for (const line of [fresh, aged]) {
      line.enqueue(job("page", "tg:1", "batch"), 0);
      line.enqueue(job("question", "tg:2"), 500);
    }
    assert.deepEqual(names(fresh.take(1, 999)), ["question"]);
    assert.deepEqual(names(aged.take(1, 1_000)), ["page"]);
  });

  it("places jobs in Redis first (by priority, then as added), then the line", () => {
    const line = new FairDispatcher<TestJob>({ agingMs: 60_000 });
    const page1 = job("page1", "tg:1", "batch");
    const page2 = job("page2", "tg:1", "batch");
    const question = job("question", "tg:2");
    line.enqueue(page1, 0);
    line.enqueue(page2, 0);
    assert.deepEqual(line.take(1, 0), [page1]);
    line.enqueue(question, 1);
    assert.deepEqual(line.take(2, 1), [question], "the capacity grew (a worker came)");
    assert.ok(PRIORITY.interactive < PRIORITY.batch);
    assert.deepEqual(places(line.positions(2)), { question: 1, page1: 2, page2: 3 });
    line.started(question, 3);
    assert.deepEqual(places(line.positions(3)), { page1: 1, page2: 2 });
  });

  it("counts what waits, in all and per owner, not what runs", () => {
    const line = new FairDispatcher<TestJob>({ agingMs: 60_000 });
    const [a1, a2, a3] = ["a1", "a2", "a3"].map((name) => job(name, "tg:1"));
    const b1 = job("b1", "tg:2");
    for (const entry of [a1!, a2!, a3!, b1]) line.enqueue(entry, 0);
    line.take(2, 0); // a1 and b1
    assert.equal(line.waiting, 4);
    assert.equal(line.waitingOf("tg:1"), 3);
    line.started(a1!, 0);
    assert.equal(line.waiting, 3);
    assert.equal(line.waitingOf("tg:1"), 2);
    line.drop(a3!, 0); // a cancel while in line
    assert.equal(line.waitingOf("tg:1"), 1);
    assert.deepEqual(line.take(2, 0), [], "a1 and b1 still hold the room");
    line.drop(a1!, 0);
    assert.deepEqual(names(line.take(2, 0)), ["a2"]);
    assert.deepEqual(line.snapshot(0).classes.interactive.waiting, 0);
  });

  it("sizes the line by a count, and by the bytes of what waits where it is given bytes", () => {
    const line = new FairDispatcher<TestJob>({ agingMs: 60_000 });
    const bySize = { maxQueue: 3, maxQueueBytes: 100 };
    const huge = job("huge", "tg:1", "interactive", 500);
    assert.ok(line.fits(500, bySize), "an empty line takes a job however large");
    line.enqueue(huge, 0);
    assert.ok(!line.fits(1, bySize), "its bytes fill the allowance");
    assert.ok(line.fits(1, { maxQueue: 3 }), "a count alone counts jobs");
    line.take(1, 0);
    assert.ok(!line.fits(1, bySize), "handed to BullMQ, it still waits in Redis");
    line.started(huge, 1);
    line.started(huge, 2);
    const [a, b] = [job("a", "tg:2", "batch", 40), job("b", "tg:3", "batch", 40)];
    line.enqueue(a, 2);
    line.enqueue(b, 2);
    assert.ok(line.fits(20, bySize), "taken by a worker, its bytes are free: 80 + 20 fit");
    assert.ok(!line.fits(21, bySize));
    line.drop(a, 3); // cancelled while in the line
    assert.ok(line.fits(60, bySize));
    line.take(2, 3); // b: huge still holds one of the two places
    line.drop(b, 4); // cancelled in Redis before a worker took it
    assert.ok(line.fits(100, bySize));
    line.enqueue(job("c", "tg:4"), 4);
    line.enqueue(job("d", "tg:5"), 4);
    line.enqueue(job("e", "tg:6"), 4);
    assert.ok(!line.fits(1, bySize), "three wait: the count is reached before the bytes");
  });

  it("counts the time a worker ran a job in its class's share, none for a job no worker took", () => {
    /** A kind's line with aged pages of tg:1 and questions of ten people, all at 0. */
    const lineOf = () => {
      const line = new FairDispatcher<TestJob>({ agingMs: 1_000 });
      for (const page of ["p1", "p2"]) line.enqueue(job(page, "tg:1", "batch"), 0);
      for (let n = 1; n <= 10; n++) line.enqueue(job(`q${n}`, `tg:${n + 1}`), 0);
      return line;
    };
    /** Takes one job at a time from 1 s on; `runMs(name)` is how long a worker runs it. */
    const serve = (line: FairDispatcher<TestJob>, runMs: (name: string) => number | null) => {
      const served: string[] = [];
      let now = 1_000;
      for (let [next] = line.take(1, now); next; [next] = line.take(1, now)) {
        served.push(next.name);
        const ran = runMs(next.name);
        if (ran !== null) line.started(next, now);
        now += ran ?? 0;
        line.drop(next, now);
      }
      return served;
    };
    // A page runs three times as long as a question: three times the questions between pages.
    assert.deepEqual(
      serve(lineOf(), (name) => (name.startsWith("p") ? 300 : 100)),
      ["p1", "q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9", "p2", "q10"],
    );
    // Cancelled in Redis before any worker took it, p1 ran nothing: p2 still has its turn.
    assert.deepEqual(
      serve(lineOf(), (name) => (name === "p1" ? null : 100)),
      ["p1", "p2", "q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9", "q10"],
    );
  });
});
