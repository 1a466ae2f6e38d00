import type { Database } from "better-sqlite3";

/**
 * JSON values by (namespace, key), optionally owned by a user so /forget can find them.
 * Backs grammY's storage adapters (conversation state that must survive a restart).
 */
export class KeyValueStore {
  private readonly select;
  private readonly upsert;
  private readonly remove;

  constructor(
    db: Database,
    private readonly now: () => number,
  ) {
    this.select = db.prepare<[string, string], { value: string }>(
      "SELECT value FROM kv WHERE namespace = ? AND key = ?",
    );
    this.upsert = db.prepare(`
      INSERT INTO kv (namespace, key, user_id, value, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (namespace, key) DO UPDATE SET
        user_id = excluded.user_id, value = excluded.value, updated_at = excluded.updated_at`);
    this.remove = db.prepare("DELETE FROM kv WHERE namespace = ? AND key = ?");
  }

  get<T>(namespace: string, key: string): T | undefined {
    const row = this.select.get(namespace, key);
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  set(namespace: string, key: string, value: unknown, userId?: number): void {
    this.upsert.run(namespace, key, userId ?? null, JSON.stringify(value), this.now());
  }

  delete(namespace: string, key: string): void {
    this.remove.run(namespace, key);
  }
}
