/**
 * One model's line of waiting work, fair between owners (a person, an API key).
 *
 * Round-robin across owners, each owner's own work first-in first-out: deficit round-robin
 * with a quantum of one piece. Weighted fair queuing would need each piece's cost before it
 * runs, which a model line doesn't know (a chat answer may be 5 tokens or 500); long jobs
 * are instead cut into pieces of bounded size (a page, a speech window, a chunk), so counting
 * pieces is counting work. An owner with a backlog therefore costs any other owner at most
 * one piece of it: a newcomer joins the ring of owners and is served as soon as the owners
 * ahead of it in the ring have had one piece each.
 *
 * Two classes: interactive work (a chat answer, a picture question, a button's short task)
 * goes ahead of batch work (a page of a long PDF, a window of a long recording). Aging keeps
 * batch work from starving: once the oldest batch piece has waited `agingMs`, batch work gets
 * one part of the model's time in {@link INTERACTIVE_TIME_PER_AGED_BATCH} + 1, until no batch
 * piece has waited that long. A share rather than "aged batch first": under a steady flood of
 * batch work every batch piece ages, and batch-first would then starve interactive work
 * instead. A share of time rather than of turns: a page's clean-up runs several times as long
 * as a chat answer, and with one turn in four batch work took about half of the chat model
 * (bench:load with 20 people sending 25-page scans beside 180 asking questions: interactive
 * chat work waited 3.6 s on average, longer than the batch work beside it). Time is counted
 * deficit round-robin style: a piece is charged its class's mean run time when it is taken
 * and corrected to its real run time when it ends ({@link FairQueue.finished}), so the
 * order a line projects (places in line, ETAs) is the order it serves.
 * Both stay bounded: while both wait, batch work gets a quarter of the model's time and
 * interactive work three quarters; an aged batch piece that ran t ms is followed by 3t ms of
 * interactive work before the next one.
 *
 * Pure: time is passed in, nothing here runs a timer.
 */

import type { WorkClass } from "../contract.js";

export const WORK_CLASSES: readonly WorkClass[] = ["interactive", "batch"];

/** While batch work has aged, the model time interactive work gets per unit batch work gets. */
export const INTERACTIVE_TIME_PER_AGED_BATCH = 3;

/** Weight of the newest run time in a class's mean piece time. */
const MEAN_WEIGHT = 0.2;

export interface FairQueueOptions {
  /** How long a batch piece may wait before it takes turns with interactive work. */
  agingMs: number;
  /** How owners take turns within a class (default "in-turn"). */
  turns?: OwnerTurns;
}

/**
 * "in-turn": round-robin, an owner served goes to the back. "oldest-first": the owner whose
 * next piece has waited longest goes first, for a line whose owners each stand for a line of
 * their own (the shared thread's turns, one per model: a model whose next piece has waited
 * 10 s goes before one whose next piece came in just now, however often each had a turn).
 */
export type OwnerTurns = "in-turn" | "oldest-first";

interface Entry<T> {
  readonly item: T;
  readonly owner: string;
  readonly workClass: WorkClass;
  readonly enqueuedAt: number;
}

/** One class's waiting work: per owner in arrival order, owners in turn order. */
class Ring<T> {
  /** Owners with waiting work, the next to be served first. */
  readonly owners: string[] = [];
  readonly lines = new Map<string, Entry<T>[]>();
  size = 0;

  constructor(private readonly turns: OwnerTurns) {}

  push(entry: Entry<T>): void {
    const line = this.lines.get(entry.owner);
    if (line) line.push(entry);
    else {
      this.lines.set(entry.owner, [entry]);
      this.enter(entry.owner, entry.enqueuedAt);
    }
    this.size += 1;
  }

  /** Puts an owner into the turn order, its next piece waiting since `since`. */
  private enter(owner: string, since: number): void {
    if (this.turns === "in-turn") {
      this.owners.push(owner);
      return;
    }
    const after = this.owners.findIndex((other) => this.lines.get(other)![0]!.enqueuedAt > since);
    this.owners.splice(after < 0 ? this.owners.length : after, 0, owner);
  }

  /** The piece {@link shift} would return, left in place. */
  peek(): Entry<T> | undefined {
    const owner = this.owners[0];
    return owner === undefined ? undefined : this.lines.get(owner)?.[0];
  }

  /** The next owner's oldest piece; that owner goes back into the turn order if it has more. */
  shift(): Entry<T> | undefined {
    const owner = this.owners.shift();
    if (owner === undefined) return undefined;
    const line = this.lines.get(owner)!;
    const entry = line.shift()!;
    if (line.length > 0) this.enter(owner, line[0]!.enqueuedAt);
    else this.lines.delete(owner);
    this.size -= 1;
    return entry;
  }

  remove(item: T): Entry<T> | undefined {
    for (const [owner, line] of this.lines) {
      const index = line.findIndex((entry) => entry.item === item);
      if (index < 0) continue;
      const [entry] = line.splice(index, 1);
      if (line.length === 0) this.lines.delete(owner);
      if (line.length === 0 || (index === 0 && this.turns === "oldest-first")) {
        this.owners.splice(this.owners.indexOf(owner), 1);
        // Its next piece is younger: it may have to wait behind others now.
        if (line.length > 0) this.enter(owner, line[0]!.enqueuedAt);
      }
      this.size -= 1;
      return entry;
    }
    return undefined;
  }

  /** When the longest-waiting piece was enqueued (each owner's line is oldest first). */
  oldest(): number | undefined {
    let oldest: number | undefined;
    for (const line of this.lines.values()) {
      const at = line[0]?.enqueuedAt;
      if (at !== undefined && (oldest === undefined || at < oldest)) oldest = at;
    }
    return oldest;
  }

  clone(): Ring<T> {
    const copy = new Ring<T>(this.turns);
    copy.owners.push(...this.owners);
    for (const [owner, line] of this.lines) copy.lines.set(owner, [...line]);
    copy.size = this.size;
    return copy;
  }
}

/** Both classes' rings and how far aged batch work is ahead of its share of the model. */
class Lines<T> {
  /**
   * Model time (ms, batch's weighted by its share) aged batch work has had beyond its share,
   * from pieces that finished; never below 0, so neither class banks time while the other
   * has nothing waiting.
   */
  settledMs = 0;
  /** The same for pieces taken and still running, each at its class's mean run time. */
  runningMs = 0;
  /** Mean run time of a piece of each class, once one has finished. */
  readonly pieceMs: Partial<Record<WorkClass, number>> = {};

  constructor(
    readonly interactive: Ring<T>,
    readonly batch: Ring<T>,
  ) {}

  ring(workClass: WorkClass): Ring<T> {
    return workClass === "interactive" ? this.interactive : this.batch;
  }

  /** What a piece of `workClass` is charged when taken: 1 ms each until measured (turns). */
  meanMs(workClass: WorkClass): number {
    return this.pieceMs[workClass] ?? 1;
  }

  /** Takes the piece to run next, counting it as running for its class's mean run time. */
  take(now: number, agingMs: number): Entry<T> | undefined {
    const entry = this.choose(now, agingMs);
    if (entry) this.runningMs += weigh(entry.workClass, this.meanMs(entry.workClass));
    return entry;
  }

  /** A piece taken at `chargedMs` ran `runMs` (undefined: never ran). */
  settle(workClass: WorkClass, chargedMs: number, runMs: number | undefined): void {
    this.runningMs -= weigh(workClass, chargedMs);
    if (runMs === undefined) return;
    this.settledMs = Math.max(0, this.settledMs + weigh(workClass, runMs));
    const mean = this.pieceMs[workClass];
    this.pieceMs[workClass] = mean === undefined ? runMs : mean + MEAN_WEIGHT * (runMs - mean);
  }

  clone(): Lines<T> {
    const copy = new Lines<T>(this.interactive.clone(), this.batch.clone());
    copy.settledMs = this.settledMs;
    copy.runningMs = this.runningMs;
    Object.assign(copy.pieceMs, this.pieceMs);
    return copy;
  }

  /** The piece {@link take} would return now, left in place. */
  peek(now: number, agingMs: number): Entry<T> | undefined {
    return this.ringToTake(now, agingMs).peek();
  }

  /** Interactive first; aged batch work whenever it is not ahead of its share. */
  private choose(now: number, agingMs: number): Entry<T> | undefined {
    // Unless both classes wait and batch has aged, nobody waits behind the other class:
    // nothing to make up for later.
    if (!this.contended(now, agingMs)) this.settledMs = 0;
    return this.ringToTake(now, agingMs).shift();
  }

  private ringToTake(now: number, agingMs: number): Ring<T> {
    if (this.interactive.size === 0) return this.batch;
    if (!this.contended(now, agingMs)) return this.interactive;
    return this.settledMs + this.runningMs > 0 ? this.interactive : this.batch;
  }

  /** Both classes wait and the oldest batch piece has waited `agingMs`. */
  private contended(now: number, agingMs: number): boolean {
    if (this.interactive.size === 0 || this.batch.size === 0) return false;
    return now - (this.batch.oldest() ?? now) >= agingMs;
  }
}

/** Model time as it counts against batch work's share (interactive time counts back). */
function weigh(workClass: WorkClass, ms: number): number {
  return workClass === "batch" ? ms * INTERACTIVE_TIME_PER_AGED_BATCH : -ms;
}

/** What waits in one class, for /status and metrics. */
export interface ClassSnapshot {
  waiting: number;
  /** How long the longest-waiting piece has waited; 0 when none waits. */
  oldestWaitMs: number;
}

/** One owner's waiting work, both classes together. */
export interface OwnerSnapshot {
  owner: string;
  waiting: number;
  /** How long the owner's longest-waiting piece has waited. */
  oldestWaitMs: number;
}

export interface FairQueueSnapshot {
  classes: Record<WorkClass, ClassSnapshot>;
  /** Owners with waiting work, most pieces first (ties: longest wait first, then by id). */
  owners: OwnerSnapshot[];
}

export class FairQueue<T> {
  private lines: Lines<T>;
  /** Pieces taken and not finished, with the class and the run time they were charged. */
  private readonly taken = new Map<T, { workClass: WorkClass; chargedMs: number }>();

  constructor(private readonly options: FairQueueOptions) {
    this.lines = this.emptyLines();
  }

  private emptyLines(): Lines<T> {
    const turns = this.options.turns ?? "in-turn";
    return new Lines<T>(new Ring<T>(turns), new Ring<T>(turns));
  }

  get size(): number {
    return this.lines.interactive.size + this.lines.batch.size;
  }

  /** Pieces `owner` has waiting, in both classes. */
  waitingOf(owner: string): number {
    return (
      (this.lines.interactive.lines.get(owner)?.length ?? 0) +
      (this.lines.batch.lines.get(owner)?.length ?? 0)
    );
  }

  push(item: T, owner: string, workClass: WorkClass, now: number): void {
    this.lines.ring(workClass).push({ item, owner, workClass, enqueuedAt: now });
  }

  /**
   * Takes the piece to run next, or `undefined` when nothing waits. Tell the line when it
   * ends with {@link finished}; until then it counts as taking its class's mean run time.
   */
  shift(now: number): T | undefined {
    const entry = this.lines.take(now, this.options.agingMs);
    if (!entry) return undefined;
    const { workClass, item } = entry;
    this.taken.set(item, { workClass, chargedMs: this.lines.meanMs(workClass) });
    return item;
  }

  /** What {@link shift} would take now: its class and when it was pushed. */
  peek(now: number): { workClass: WorkClass; enqueuedAt: number } | undefined {
    const entry = this.lines.peek(now, this.options.agingMs);
    return entry && { workClass: entry.workClass, enqueuedAt: entry.enqueuedAt };
  }

  /** A piece taken by {@link shift} ran `runMs` (done, failed or cancelled). */
  finished(item: T, runMs: number): void {
    const taken = this.taken.get(item);
    if (!taken) return;
    this.taken.delete(item);
    this.lines.settle(taken.workClass, taken.chargedMs, runMs);
  }

  /** A piece taken by {@link shift} never ran (cancelled before the model took it). */
  withdrawn(item: T): void {
    const taken = this.taken.get(item);
    if (!taken) return;
    this.taken.delete(item);
    this.lines.settle(taken.workClass, taken.chargedMs, undefined);
  }

  /** Takes a waiting piece out of the line (a cancel); false when it isn't waiting. */
  remove(item: T): boolean {
    return (
      this.lines.interactive.remove(item) !== undefined ||
      this.lines.batch.remove(item) !== undefined
    );
  }

  /** Empties the line, returning what waited. */
  clear(): T[] {
    const items = this.order(Number.POSITIVE_INFINITY);
    const emptied = this.emptyLines();
    emptied.runningMs = this.lines.runningMs;
    Object.assign(emptied.pieceMs, this.lines.pieceMs);
    this.lines = emptied;
    return items;
  }

  /**
   * The order pieces will run in if nothing else arrives and time stands at `now`: a
   * piece's place in line is its index here plus one.
   */
  order(now: number): T[] {
    const lines = this.lines.clone();
    const items: T[] = [];
    for (let entry = lines.take(now, this.options.agingMs); entry;) {
      items.push(entry.item);
      entry = lines.take(now, this.options.agingMs);
    }
    return items;
  }

  snapshot(now: number): FairQueueSnapshot {
    const classOf = (ring: Ring<T>): ClassSnapshot => {
      const oldest = ring.oldest();
      return { waiting: ring.size, oldestWaitMs: oldest === undefined ? 0 : now - oldest };
    };
    const owners = new Map<string, OwnerSnapshot>();
    for (const ring of [this.lines.interactive, this.lines.batch]) {
      for (const [owner, line] of ring.lines) {
        const waitMs = now - (line[0]?.enqueuedAt ?? now);
        const known = owners.get(owner);
        owners.set(owner, {
          owner,
          waiting: (known?.waiting ?? 0) + line.length,
          oldestWaitMs: Math.max(known?.oldestWaitMs ?? 0, waitMs),
        });
      }
    }
    return {
      classes: {
        interactive: classOf(this.lines.interactive),
        batch: classOf(this.lines.batch),
      },
      owners: [...owners.values()].sort(
        (a, b) =>
          b.waiting - a.waiting ||
          b.oldestWaitMs - a.oldestWaitMs ||
          a.owner.localeCompare(b.owner),
      ),
    };
  }
}
