/**
 * The DocumentIndex over the passage store: cuts a result into passages, stores them with
 * their full-text rows and (when an embedder serves) their vectors, and answers a question
 * with the passages that BM25 and cosine similarity agree on, fused by reciprocal rank.
 */
import type { PassageStore, StoredPassage } from "../../memory/passages.js";
import { pieceClass, type Scheduling } from "../../models/contract.js";
import { cutPassages } from "./cutting.js";
import { cosine, reciprocalRankFusion } from "./fusion.js";
import { ftsQuery, searchTerms } from "./query.js";
import type {
  DocumentIndex,
  IndexOptions,
  IndexSource,
  Passage,
  PassagePlace,
  RetrievedPassage,
} from "./types.js";

/** Turns texts into vectors with one model (see models/adapters/embed-e5.ts). */
export interface PassageEmbedder {
  /** The model the vectors come from; stored beside them, so another model's are never compared. */
  readonly model: string;
  /** False while the model can't serve (see kinds/cannot-serve.ts): retrieval is full-text alone. */
  canServe?(): boolean;
  /** One vector per text; a question and a passage are embedded with their own prefixes. */
  embed(
    texts: readonly string[],
    role: "query" | "passage",
    options?: { scheduling?: Scheduling; signal?: AbortSignal },
  ): Promise<Float32Array[]>;
}

export interface PassageIndexOptions {
  /** Absent: full-text search alone. */
  embedder?: PassageEmbedder;
  /** Passages embedded per model job: a fair turn in the model line, and a progress step. */
  embedBatch?: number;
  /** Told when embedding fails; the passages stay searchable by full text. */
  onEmbedError?: (error: unknown) => void;
}

/** Candidates each ranking contributes to the fusion, per passage asked for. */
const CANDIDATES_PER_RESULT = 4;
const MIN_CANDIDATES = 20;

function placeOf(passage: StoredPassage): PassagePlace {
  if (passage.page !== undefined) return { page: passage.page };
  if (passage.startS !== undefined && passage.endS !== undefined) {
    return { startS: passage.startS, endS: passage.endS };
  }
  return {};
}

function toPassage(stored: StoredPassage): Passage {
  return { ord: stored.ord, text: stored.text, place: placeOf(stored) };
}

function sameCut(stored: readonly StoredPassage[], cut: readonly Passage[]): boolean {
  return (
    stored.length === cut.length &&
    cut.every((passage, i) => {
      const row = stored[i];
      return (
        row !== undefined &&
        row.ord === passage.ord &&
        row.text === passage.text &&
        JSON.stringify(placeOf(row)) === JSON.stringify(passage.place)
      );
    })
  );
}

export class PassageIndex implements DocumentIndex {
  private readonly embedder: PassageEmbedder | undefined;
  private readonly embedBatch: number;

  constructor(
    private readonly store: PassageStore,
    private readonly options: PassageIndexOptions = {},
  ) {
    this.embedder = options.embedder;
    this.embedBatch = Math.max(1, options.embedBatch ?? 16);
  }

  /** The embedder when it can serve now. */
  private servingEmbedder(): PassageEmbedder | undefined {
    const embedder = this.embedder;
    return embedder && (embedder.canServe?.() ?? true) ? embedder : undefined;
  }

  async index(resultId: number, source: IndexSource, options: IndexOptions = {}): Promise<number> {
    options.signal?.throwIfAborted();
    const cut = cutPassages(source);
    // Idempotent: the same cut keeps its rows and the vectors already made (a retried job
    // embeds only what is missing).
    if (!sameCut(this.store.ofResult(resultId), cut)) {
      this.store.replace(
        resultId,
        cut.map(({ ord, text, place }) => ({ ord, text, ...place })),
      );
    }
    const embedder = this.servingEmbedder();
    const total = cut.length;
    if (!embedder || total === 0) {
      options.onProgress?.(total, total);
      return total;
    }
    const done = new Set(this.store.vectorsOf(resultId, embedder.model).map((v) => v.ord));
    const missing = cut.filter((passage) => !done.has(passage.ord));
    options.onProgress?.(total - missing.length, total);
    const batches = Math.ceil(missing.length / this.embedBatch);
    const scheduling: Scheduling = {
      ...options.scheduling,
      workClass: pieceClass(batches, options.scheduling?.workClass),
    };
    try {
      for (let start = 0; start < missing.length; start += this.embedBatch) {
        const batch = missing.slice(start, start + this.embedBatch);
        const vectors = await embedder.embed(
          batch.map((passage) => passage.text),
          "passage",
          { scheduling, ...(options.signal ? { signal: options.signal } : {}) },
        );
        this.store.setVectors(
          resultId,
          embedder.model,
          batch.map((passage, i) => ({
            ord: passage.ord,
            vector: vectors[i] ?? new Float32Array(),
          })),
        );
        options.onProgress?.(total - missing.length + start + batch.length, total);
      }
    } catch (error) {
      if (options.signal?.aborted) throw error;
      // Vectors improve the ranking; without them the passages are still found by full text.
      this.options.onEmbedError?.(error);
    }
    return total;
  }

  has(resultId: number): boolean {
    return this.store.count(resultId) > 0;
  }

  async retrieve(
    resultId: number,
    question: string,
    limit: number,
    options: { scheduling?: Scheduling; signal?: AbortSignal } = {},
  ): Promise<RetrievedPassage[]> {
    if (limit <= 0) return [];
    const candidates = Math.max(MIN_CANDIDATES, limit * CANDIDATES_PER_RESULT);
    const match = ftsQuery(searchTerms(question));
    const hits = match ? this.store.search(resultId, match, candidates) : [];
    const byOrd = new Map<number, StoredPassage>(hits.map((hit) => [hit.ord, hit]));
    const rankings: number[][] = [hits.map((hit) => hit.ord)];

    const embedder = this.servingEmbedder();
    const vectors = embedder ? this.store.vectorsOf(resultId, embedder.model) : [];
    if (embedder && vectors.length > 0 && question.trim()) {
      try {
        const [query] = await embedder.embed([question], "query", options);
        if (query) {
          rankings.push(
            vectors
              .map(({ ord, vector }) => ({ ord, similarity: cosine(query, vector) }))
              .sort((a, b) => b.similarity - a.similarity)
              .slice(0, candidates)
              .map(({ ord }) => ord),
          );
        }
      } catch (error) {
        if (options.signal?.aborted) throw error;
        this.options.onEmbedError?.(error);
      }
    }

    const fused = reciprocalRankFusion(rankings).slice(0, limit);
    if (fused.length === 0) {
      // Nothing to search by (a question of stop words only): the beginning is the best guess.
      return this.store
        .ofResult(resultId)
        .slice(0, limit)
        .map((stored) => ({ ...toPassage(stored), score: 0 }));
    }
    if (fused.some(({ id }) => !byOrd.has(id))) {
      for (const stored of this.store.ofResult(resultId)) byOrd.set(stored.ord, stored);
    }
    return fused.flatMap(({ id, score }) => {
      const stored = byOrd.get(id);
      return stored ? [{ ...toPassage(stored), score }] : [];
    });
  }

  passages(resultId: number): Passage[] {
    return this.store.ofResult(resultId).map(toPassage);
  }
}
