/**
 * Where jobs go. Each worker pulls a kind's queue only when it is a good place for the job:
 * it has the model loaded (or loading), or no other worker has it warm with a free slot, or
 * jobs are waiting that the warm workers can't take. So a lone job goes to the worker that
 * already holds its model, and the cluster loads a model elsewhere only under a backlog.
 */
import type { ModelKind } from "./kinds.js";
import { hasWarmSlot, type WorkerHeartbeat } from "./registry.js";

export interface PlacementInput {
  kind: ModelKind;
  /** This worker's state of the kind's model ("unloaded", "loading", "ready", ...). */
  localState: string;
  /** The other live workers. */
  others: readonly WorkerHeartbeat[];
  /** Jobs waiting in the kind's queue. */
  waiting: number;
}

export function shouldPull({ kind, localState, others, waiting }: PlacementInput): boolean {
  if (["loading", "ready", "running"].includes(localState)) return true;
  if (waiting > 0) return true;
  return !others.some((worker) => hasWarmSlot(worker, kind));
}
