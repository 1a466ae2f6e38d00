import type { Database } from "better-sqlite3";

/**
 * Measured model memory, remembered across restarts so the manager's next estimate for
 * a model is what it really took last time.
 */
export class FootprintLog {
  private readonly select;
  private readonly upsert;

  constructor(
    db: Database,
    private readonly now: () => number,
  ) {
    this.select = db.prepare<[string], { bytes: number }>(
      "SELECT bytes FROM model_footprints WHERE model_id = ?",
    );
    this.upsert = db.prepare(`
      INSERT INTO model_footprints (model_id, bytes, measured_at) VALUES (?, ?, ?)
      ON CONFLICT (model_id) DO UPDATE SET bytes = excluded.bytes, measured_at = excluded.measured_at`);
  }

  get(modelId: string): number | undefined {
    return this.select.get(modelId)?.bytes;
  }

  set(modelId: string, bytes: number): void {
    this.upsert.run(modelId, Math.round(bytes), this.now());
  }
}
