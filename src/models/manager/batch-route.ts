import type { ModelHandle } from "../contract.js";

/**
 * One handle over a model and its copy for batch work: batch pieces go to the copy, all else
 * (interactive work, and work that names no class) to the model. The two have lines of their
 * own, so an interactive job never waits for a batch piece of the same kind; each line is
 * fair between owners as any other.
 */
export function routeBatchPieces<In, Out>(
  model: ModelHandle<In, Out>,
  batchCopy: ModelHandle<In, Out>,
): ModelHandle<In, Out> {
  return {
    id: model.id,
    run: (input, options) =>
      (options?.workClass === "batch" ? batchCopy : model).run(input, options),
  };
}
