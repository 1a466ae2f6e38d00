import type { WorkClass } from "../contract.js";
import { FairQueue } from "../scheduler/index.js";

/**
 * Turns on the thread that in-process models share. ONNX Runtime runs an inference on the
 * thread that asks for it, so models on the main thread never run side by side: their pieces
 * interleave, and a batch piece of one model (a Whisper window, a page's clean-up, the VAD
 * over a 3-minute note) stretches an interactive piece of another as much as a piece of its
 * own line would. Each model's line picks which of its own pieces goes next, fair between
 * owners; these turns pick which model's piece goes next, with the same rules between
 * classes (interactive first, aged batch work a share of the time), one piece at a time.
 *
 * Pure: time is passed in, nothing here runs a timer.
 */
export class ThreadTurns<M extends { readonly id: string }> {
  private readonly line: FairQueue<M>;
  /** Models waiting for a turn, with the class of the piece they asked for. */
  private readonly waiting = new Map<M, WorkClass>();
  private holder: M | undefined;

  constructor(agingMs: number) {
    this.line = new FairQueue<M>({ agingMs, turns: "oldest-first" });
  }

  /**
   * What `model` would run next: a piece of `next.workClass` waiting since `next.enqueuedAt`,
   * or nothing. A model keeps its place in line while the class it asks for stays the same.
   */
  want(model: M, next: { workClass: WorkClass; enqueuedAt: number } | undefined): void {
    const asked = this.waiting.get(model);
    if (asked === next?.workClass) return;
    if (asked !== undefined) {
      this.line.remove(model);
      this.waiting.delete(model);
    }
    if (!next || this.holder === model) return;
    this.line.push(model, model.id, next.workClass, next.enqueuedAt);
    this.waiting.set(model, next.workClass);
  }

  /** The model whose piece runs now, if the thread is free and one waits. */
  take(now: number): M | undefined {
    if (this.holder) return undefined;
    const model = this.line.shift(now);
    if (!model) return undefined;
    this.waiting.delete(model);
    this.holder = model;
    return model;
  }

  /** The turn of `model` ended after its piece ran `runMs` (undefined: no piece ran). */
  release(model: M, runMs: number | undefined): void {
    if (this.holder !== model) return;
    this.holder = undefined;
    if (runMs === undefined) this.line.withdrawn(model);
    else this.line.finished(model, runMs);
  }
}
