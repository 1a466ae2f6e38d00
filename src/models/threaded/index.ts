/**
 * Models in worker threads of their own, behind the manager's ManagedModel contract.
 *
 * @example
 * const asr = new ThreadedModel(createWhisperAsr(...), { kind: "asr", depth: 0, profile,
 *   runtime, log: { level: "info", format: "json" } }, logger);
 */
export { THREAD_BYTES, ThreadedModel, ownBuffer } from "./threaded-model.js";
export type { ThreadRecipe } from "./protocol.js";
