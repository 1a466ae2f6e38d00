/**
 * The contract between the two halves of "ask about a document": the index (passages cut
 * from a stored result, full-text and vector search, rank fusion) and the answerer (the
 * prompt, the guard, the sources). Where a passage was found is what the sources show: a
 * page of a document or a span of a recording.
 */
import type { Scheduling } from "../../models/contract.js";

/** Where a passage sits in what it was cut from. */
export type PassagePlace =
  | { readonly page: number }
  | { readonly startS: number; readonly endS: number }
  | Record<string, never>;

/** A piece of a stored result small enough to quote, in reading order. */
export interface Passage {
  /** 0-based position in the result, for reading order and neighbours. */
  readonly ord: number;
  readonly text: string;
  readonly place: PassagePlace;
}

/** A passage found for a question, best first. */
export interface RetrievedPassage extends Passage {
  /** The fused score (higher is better); only its order means anything. */
  readonly score: number;
}

/** What a stored result is read from when it is cut into passages. */
export interface IndexSource {
  /** The whole text (what a result stores). */
  readonly text: string;
  /** A document's pages, 1-based, when it has them (PDFs, multi-page scans). */
  readonly pages?: readonly { readonly page: number; readonly text: string }[];
  /** A recording's timed segments, when it has them. */
  readonly segments?: readonly {
    readonly startS: number;
    readonly endS: number;
    readonly text: string;
  }[];
}

export interface IndexOptions {
  /** The owner and class whose turn in the model lines the embedding work takes. */
  readonly scheduling?: Scheduling;
  readonly signal?: AbortSignal;
  /** Passages done so far of all, for a long document's progress. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Passages and their search, per stored result. */
export interface DocumentIndex {
  /** Cuts the result into passages and stores them (with vectors when an embedder runs); idempotent. */
  index(resultId: number, source: IndexSource, options?: IndexOptions): Promise<number>;
  /** Whether the result has passages stored. */
  has(resultId: number): boolean;
  /** The best `limit` passages for a question, fused from full-text and (when stored) vector search. */
  retrieve(
    resultId: number,
    question: string,
    limit: number,
    options?: Pick<IndexOptions, "scheduling" | "signal">,
  ): Promise<RetrievedPassage[]>;
  /** Every passage of the result in reading order (for a text that fits the context whole, and /export). */
  passages(resultId: number): Passage[];
}
