/**
 * Where jobs go. Each worker pulls a kind's queue only when it is a good place for the job:
 * it has the model loaded (or loading), or no other worker has it loaded, or jobs are waiting
 * that the workers holding it can't take (no free slot). So a lone job goes to the worker that
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
  if (isWarm(localState)) return true;
  const warm = others.filter((worker) =>
    worker.models.some((model) => model.id === kind && isWarm(model.state)),
  );
  if (warm.length === 0) return true;
  // Warm workers take what they can; a cold one helps only with a backlog they can't.
  return waiting > 0 && !warm.some((worker) => hasWarmSlot(worker, kind));
}

function isWarm(state: string): boolean {
  return ["loading", "ready", "running"].includes(state);
}
