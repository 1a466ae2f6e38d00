import type { Database } from "better-sqlite3";

/** A passage as stored: its place in the result is a page, a time span, or neither. */
export interface StoredPassage {
  /** The row id (also the full-text row id). */
  id: number;
  ord: number;
  text: string;
  page?: number;
  startS?: number;
  endS?: number;
}

export type NewPassage = Omit<StoredPassage, "id">;

/** A passage matched by a full-text query, best first. */
export interface PassageHit extends StoredPassage {
  /** SQLite's bm25(): lower is better. */
  bm25: number;
}

/** A passage's vector from one embedding model. */
export interface PassageVector {
  ord: number;
  vector: Float32Array;
}

interface PassageRow {
  id: number;
  ord: number;
  page: number | null;
  start_s: number | null;
  end_s: number | null;
  text: string;
}

function fromRow(row: PassageRow): StoredPassage {
  return {
    id: row.id,
    ord: row.ord,
    text: row.text,
    ...(row.page === null ? {} : { page: row.page }),
    ...(row.start_s === null ? {} : { startS: row.start_s }),
    ...(row.end_s === null ? {} : { endS: row.end_s }),
  };
}

/** The token a result's passages carry in the full-text table's `result` column. */
const resultToken = (resultId: number) => `"r${Math.trunc(resultId)}"`;

/**
 * Passages cut from stored results, with their full-text index and optional vectors. The rows
 * belong to their result: deleting it (by /forget or pruning) deletes them and their full-text
 * rows (see migration 8). Vectors are an index, not content: /export never reads them.
 */
export class PassageStore {
  private readonly insert;
  private readonly deleteOfResult;
  private readonly countOfResult;
  private readonly selectOfResult;
  private readonly selectMatches;
  private readonly selectVectors;
  private readonly updateVector;
  private readonly replaceAll;
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
    this.insert = db.prepare(`
      INSERT INTO passages (result_id, ord, page, start_s, end_s, text)
      VALUES (@resultId, @ord, @page, @startS, @endS, @text)`);
    this.deleteOfResult = db.prepare("DELETE FROM passages WHERE result_id = ?");
    this.countOfResult = db.prepare<[number], { n: number }>(
      "SELECT count(*) AS n FROM passages WHERE result_id = ?",
    );
    this.selectOfResult = db.prepare<[number], PassageRow>(
      "SELECT id, ord, page, start_s, end_s, text FROM passages WHERE result_id = ? ORDER BY ord",
    );
    this.selectMatches = db.prepare<[string, number], PassageRow & { bm25: number }>(`
      SELECT p.id, p.ord, p.page, p.start_s, p.end_s, p.text, bm25(passages_fts, 1.0, 0.0) AS bm25
      FROM passages_fts JOIN passages p ON p.id = passages_fts.rowid
      WHERE passages_fts MATCH ?
      ORDER BY bm25 LIMIT ?`);
    this.selectVectors = db.prepare<[number, string], { ord: number; vector: Buffer }>(`
      SELECT ord, vector FROM passages
      WHERE result_id = ? AND vector_model = ? AND vector IS NOT NULL ORDER BY ord`);
    this.updateVector = db.prepare(`
      UPDATE passages SET vector = @vector, vector_model = @model
      WHERE result_id = @resultId AND ord = @ord`);
    this.replaceAll = db.transaction((resultId: number, passages: readonly NewPassage[]) => {
      this.deleteOfResult.run(resultId);
      for (const passage of passages) {
        this.insert.run({
          resultId,
          ord: passage.ord,
          page: passage.page ?? null,
          startS: passage.startS ?? null,
          endS: passage.endS ?? null,
          text: passage.text,
        });
      }
    });
  }

  /** Replaces the result's passages (and drops their vectors) in one transaction. */
  replace(resultId: number, passages: readonly NewPassage[]): void {
    this.replaceAll.immediate(resultId, passages);
  }

  count(resultId: number): number {
    return this.countOfResult.get(resultId)?.n ?? 0;
  }

  /** The result's passages in reading order. */
  ofResult(resultId: number): StoredPassage[] {
    return this.selectOfResult.all(resultId).map(fromRow);
  }

  /**
   * The result's passages matching an FTS5 query, by BM25. `match` must be built from
   * quoted terms only (see services/qa/query.ts): it is combined with the result's token.
   */
  search(resultId: number, match: string, limit: number): PassageHit[] {
    const rows = this.selectMatches.all(`result : ${resultToken(resultId)} AND (${match})`, limit);
    return rows.map((row) => ({ ...fromRow(row), bm25: row.bm25 }));
  }

  /** Stores vectors of the result's passages from `model` (Float32 BLOBs). */
  setVectors(resultId: number, model: string, vectors: readonly PassageVector[]): void {
    this.db.transaction(() => {
      for (const { ord, vector } of vectors) {
        const bytes = Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
        this.updateVector.run({ resultId, ord, model, vector: bytes });
      }
    })();
  }

  /** The result's vectors from `model`, in reading order (passages without one are left out). */
  vectorsOf(resultId: number, model: string): PassageVector[] {
    return this.selectVectors.all(resultId, model).map(({ ord, vector }) => ({
      ord,
      // A copy: SQLite's buffer need not be 4-byte aligned for a Float32Array view.
      vector: new Float32Array(new Uint8Array(vector).buffer),
    }));
  }
}
