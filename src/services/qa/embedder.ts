/**
 * The embedding model's handle as the index's embedder: every call is a job in the model's
 * line (the manager's queue and budget, or a worker's in a cluster), taking the owner's turn.
 * When the model can't serve (see kinds/cannot-serve.ts: not installed, not loadable, over the
 * budget, no worker) the index searches by full text alone for a while instead of asking again
 * on every question.
 */
import type { EmbedRequest, EmbedResult } from "../../models/adapters/embed-e5.js";
import type { ModelHandle, Scheduling } from "../../models/contract.js";
import { cannotServe } from "../../models/kinds/cannot-serve.js";
import type { Clock } from "../../shared/clock.js";
import type { PassageEmbedder } from "./passage-index.js";

/** How long full text serves alone after the model could not. */
export const EMBED_RETRY_MS = 10 * 60_000;

export class ModelEmbedder implements PassageEmbedder {
  private unavailableUntil = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly handle: ModelHandle<EmbedRequest, EmbedResult>,
    /** The model's id (e.g. "Xenova/multilingual-e5-small"), stored beside its vectors. */
    readonly model: string,
    private readonly clock: Pick<Clock, "now">,
  ) {}

  canServe(): boolean {
    return this.clock.now() >= this.unavailableUntil;
  }

  async embed(
    texts: readonly string[],
    role: "query" | "passage",
    options: { scheduling?: Scheduling; signal?: AbortSignal } = {},
  ): Promise<Float32Array[]> {
    try {
      const { vectors } = await this.handle.run(
        { texts, role },
        {
          ...options.scheduling,
          ...(options.signal ? { signal: options.signal } : {}),
        },
      );
      return vectors;
    } catch (error) {
      if (cannotServe(error)) this.unavailableUntil = this.clock.now() + EMBED_RETRY_MS;
      throw error;
    }
  }
}
