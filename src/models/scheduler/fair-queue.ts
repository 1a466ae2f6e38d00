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
 * batch work from starving: once the oldest batch piece has waited `agingMs`, batch pieces
 * are served before interactive ones until none has waited that long.
 *
 * Pure: time is passed in, nothing here runs a timer.
 */

import type { WorkClass } from "../contract.js";

export const WORK_CLASSES: readonly WorkClass[] = ["interactive", "batch"];

export interface FairQueueOptions {
  /** How long a batch piece may wait before it goes ahead of interactive work. */
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

  /** When the longest-waiting piece was enqueued. */
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

/** What waits in one class, for /status and metrics. */
export interface ClassSnapshot {
  waiting: number;
  /** How long the longest-waiting piece has waited; 0 when none waits. */
  oldestWaitMs: number;
}

export interface FairQueueSnapshot {
  classes: Record<WorkClass, ClassSnapshot>;
  /** Waiting pieces per owner, most first. */
  owners: { owner: string; waiting: number }[];
}

export class FairQueue<T> {
  private readonly rings: Record<WorkClass, Ring<T>> = {
    interactive: new Ring<T>(),
    batch: new Ring<T>(),
  };

  constructor(private readonly options: FairQueueOptions) {}

  get size(): number {
    return this.rings.interactive.size + this.rings.batch.size;
  }

  /** Pieces `owner` has waiting, in both classes. */
  waitingOf(owner: string): number {
    return (
      (this.rings.interactive.lines.get(owner)?.length ?? 0) +
      (this.rings.batch.lines.get(owner)?.length ?? 0)
    );
  }

  push(item: T, owner: string, workClass: WorkClass, now: number): void {
    this.rings[workClass].push({ item, owner, workClass, enqueuedAt: now });
  }

  /** Takes the piece to run next, or `undefined` when nothing waits. */
  shift(now: number): T | undefined {
    return pick(this.rings, now, this.options.agingMs)?.item;
  }

  /** Takes a waiting piece out of the line (a cancel); false when it isn't waiting. */
  remove(item: T): boolean {
    return (
      this.rings.interactive.remove(item) !== undefined ||
      this.rings.batch.remove(item) !== undefined
    );
  }

  /** Empties the line, returning what waited. */
  clear(): T[] {
    const items = this.order(Number.POSITIVE_INFINITY);
    this.rings.interactive = new Ring<T>();
    this.rings.batch = new Ring<T>();
    return items;
  }

  /**
   * The order pieces will run in if nothing else arrives and time stands at `now`: a
   * piece's place in line is its index here plus one.
   */
  order(now: number): T[] {
    const rings = { interactive: this.rings.interactive.clone(), batch: this.rings.batch.clone() };
    const items: T[] = [];
    for (let entry = pick(rings, now, this.options.agingMs); entry;) {
      items.push(entry.item);
      entry = pick(rings, now, this.options.agingMs);
    }
    return items;
  }

  snapshot(now: number): FairQueueSnapshot {
    const classOf = (ring: Ring<T>): ClassSnapshot => {
      const oldest = ring.oldest();
      return { waiting: ring.size, oldestWaitMs: oldest === undefined ? 0 : now - oldest };
    };
    const counts = new Map<string, number>();
    for (const ring of Object.values(this.rings)) {
      for (const [owner, line] of ring.lines) {
        counts.set(owner, (counts.get(owner) ?? 0) + line.length);
      }
    }
    return {
      classes: { interactive: classOf(this.rings.interactive), batch: classOf(this.rings.batch) },
      owners: [...counts]
        .map(([owner, waiting]) => ({ owner, waiting }))
        .sort((a, b) => b.waiting - a.waiting || a.owner.localeCompare(b.owner)),
    };
  }
}

function pick<T>(
  rings: Record<WorkClass, Ring<T>>,
  now: number,
  agingMs: number,
): Entry<T> | undefined {
  const batchSince = rings.batch.oldest();
  const aged = batchSince !== undefined && now - batchSince >= agingMs;
  if (aged || rings.interactive.size === 0) return rings.batch.shift() ?? rings.interactive.shift();
  return rings.interactive.shift();
}
