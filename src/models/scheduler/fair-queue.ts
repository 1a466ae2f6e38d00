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
 * batch work from starving: once the oldest batch piece has waited `agingMs`, it takes one
 * turn in every {@link INTERACTIVE_TURNS_PER_AGED_BATCH} + 1, until no batch piece has waited
 * that long. Turns rather than "aged batch first": under a steady flood of batch work every
 * batch piece ages, and batch-first would then starve interactive work instead. One turn in
 * four rather than every other one: people sending long documents keep batch work aged all
 * the time, and with equal turns a crowd's questions got half the model (bench:load with 20
 * people sending 25-page scans on 2 cores: p95 of the crowd's text answers 25 s with equal
 * turns, 21 s with one in four; the chat model is over its capacity there either way).
 * Both stay bounded: batch work gets a quarter of the model at least, and an interactive
 * piece waits for at most one aged batch piece per three interactive pieces ahead of it.
 *
 * Pure: time is passed in, nothing here runs a timer.
 */

import type { WorkClass } from "../contract.js";

export const WORK_CLASSES: readonly WorkClass[] = ["interactive", "batch"];

/** While batch work has aged, interactive pieces taken between two aged batch pieces. */
export const INTERACTIVE_TURNS_PER_AGED_BATCH = 3;

export interface FairQueueOptions {
  /** How long a batch piece may wait before it takes turns with interactive work. */
  agingMs: number;
}

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

  push(entry: Entry<T>): void {
    const line = this.lines.get(entry.owner);
    if (line) line.push(entry);
    else {
      this.lines.set(entry.owner, [entry]);
      this.owners.push(entry.owner);
    }
    this.size += 1;
  }

  /** The next owner's oldest piece; that owner goes to the back of the ring. */
  shift(): Entry<T> | undefined {
    const owner = this.owners.shift();
    if (owner === undefined) return undefined;
    const line = this.lines.get(owner)!;
    const entry = line.shift()!;
    if (line.length > 0) this.owners.push(owner);
    else this.lines.delete(owner);
    this.size -= 1;
    return entry;
  }

  remove(item: T): Entry<T> | undefined {
    for (const [owner, line] of this.lines) {
      const index = line.findIndex((entry) => entry.item === item);
      if (index < 0) continue;
      const [entry] = line.splice(index, 1);
      if (line.length === 0) {
        this.lines.delete(owner);
        this.owners.splice(this.owners.indexOf(owner), 1);
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
    const copy = new Ring<T>();
    copy.owners.push(...this.owners);
    for (const [owner, line] of this.lines) copy.lines.set(owner, [...line]);
    copy.size = this.size;
    return copy;
  }
}

/** Both classes' rings and whose turn it is while batch work has aged. */
class Lines<T> {
  /** Interactive pieces taken since the last aged batch piece (full: batch's turn next). */
  interactiveTurns = INTERACTIVE_TURNS_PER_AGED_BATCH;

  constructor(
    readonly interactive = new Ring<T>(),
    readonly batch = new Ring<T>(),
  ) {}

  ring(workClass: WorkClass): Ring<T> {
    return workClass === "interactive" ? this.interactive : this.batch;
  }

  /** Takes the piece to run next: interactive first, aged batch in turns with it. */
  take(now: number, agingMs: number): Entry<T> | undefined {
    if (this.interactive.size === 0 || this.batch.size === 0) {
      this.interactiveTurns = INTERACTIVE_TURNS_PER_AGED_BATCH;
      return this.interactive.shift() ?? this.batch.shift();
    }
    const aged = now - (this.batch.oldest() ?? now) >= agingMs;
    if (!aged) {
      this.interactiveTurns = INTERACTIVE_TURNS_PER_AGED_BATCH;
      return this.interactive.shift();
    }
    if (this.interactiveTurns >= INTERACTIVE_TURNS_PER_AGED_BATCH) {
      this.interactiveTurns = 0;
      return this.batch.shift();
    }
    this.interactiveTurns += 1;
    return this.interactive.shift();
  }

  clone(): Lines<T> {
    const copy = new Lines<T>(this.interactive.clone(), this.batch.clone());
    copy.interactiveTurns = this.interactiveTurns;
    return copy;
  }
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
  private lines = new Lines<T>();

  constructor(private readonly options: FairQueueOptions) {}

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

  /** Takes the piece to run next, or `undefined` when nothing waits. */
  shift(now: number): T | undefined {
    return this.lines.take(now, this.options.agingMs)?.item;
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
    this.lines = new Lines<T>();
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
