/**
 * ONNX Runtime thread counts per session. By default every session starts one intra-op thread
 * per core, so two models running at once on CPU oversubscribe the machine and both slow down.
 * Each session instead gets an equal share of the cores among the models that may run at once,
 * and one inter-op thread (the catalogue's graphs are sequential). `MODEL_THREADS` overrides
 * the share.
 *
 * The intra-op threads don't spin while they wait for work. Between two inferences of a
 * decoding loop the caller's thread runs JavaScript (the logits, the sampler, Telegram), and a
 * spinning pool thread burns a core the whole time: with 5 ms of such work between the runs of
 * a decode-step-sized graph on 2 cores (`npm run bench:threads`), a run took 35 ms of CPU with
 * spinning threads and 25 ms without, and no longer without. Those cores belong to the OCR
 * pages and the other background work.
 */

/** ONNX Runtime's `SessionOptions` thread fields, as transformers.js passes them on. */
export interface SessionThreads {
  intraOpNumThreads: number;
  interOpNumThreads: number;
  /** Session config entries: `session.intra_op.allow_spinning` = "0" (see above). */
  extra: { session: { intra_op: { allow_spinning: "0" } } };
}

export interface ThreadPlanInput {
  /** Cores the process may use (`os.availableParallelism()`). */
  cores: number;
  /** Models that may run inferences at the same time on the CPU. */
  modelsAtOnce: number;
  /** MODEL_THREADS: intra-op threads per session, whatever the share would be. */
  override?: number;
}

/** Threads for each session: `cores / modelsAtOnce` (at least 1), or the override. */
export function sessionThreads({ cores, modelsAtOnce, override }: ThreadPlanInput): SessionThreads {
  const share = Math.floor(Math.max(1, cores) / Math.max(1, modelsAtOnce));
  return {
    intraOpNumThreads: override ?? Math.max(1, share),
    interOpNumThreads: 1,
    extra: { session: { intra_op: { allow_spinning: "0" } } },
  };
}
