/**
 * The database's size and rows as Prometheus gauges, read from a real SQLite file at
 * scrape time, so they follow writes and pruning.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { Registry } from "prom-client";
import { Store } from "../../src/memory/index.js";
import { bindDatabaseMetrics, DATABASE_METRIC_NAMES } from "../../src/metrics/index.js";
import { parseExposition, sampleValue } from "./support/exposition.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "db-metrics-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("bindDatabaseMetrics", () => {
  it("exports the file size (WAL included), used and free bytes and rows per table", async () => {
    const file = path.join(dir, "bot.sqlite");
    let now = Date.UTC(2026, 0, 1);
    const store = Store.open(file, { now: () => now });
    const registry = new Registry();
    let measured = 0;
    bindDatabaseMetrics(
      registry,
      () => {
        measured++;
        return store.size();
      },
      () => now,
    );
    for (let i = 0; i < 50; i++)
      store.results.save({
        chatId: 1,
        userId: 1,
        kind: "ocr",
        language: "en",
        text: "x".repeat(4000),
      });
    store.usage.record({ task: "ocr", durationMs: 3, ok: true });

    const scraped = parseExposition(await registry.metrics());
    assert.equal(measured, 1, "one measurement per scrape");
    for (const name of Object.values(DATABASE_METRIC_NAMES))
      assert.equal(scraped.types.get(name), "gauge", name);
    const onDisk = fs.statSync(file).size + fs.statSync(`${file}-wal`).size;
    assert.equal(sampleValue(scraped, DATABASE_METRIC_NAMES.fileBytes), onDisk);
    assert.equal(
      sampleValue(scraped, DATABASE_METRIC_NAMES.walBytes),
      fs.statSync(`${file}-wal`).size,
    );
    assert.ok(sampleValue(scraped, DATABASE_METRIC_NAMES.usedBytes) > 50 * 4000);
    assert.equal(sampleValue(scraped, DATABASE_METRIC_NAMES.rows, { table: "results" }), 50);
    assert.equal(sampleValue(scraped, DATABASE_METRIC_NAMES.rows, { table: "usage" }), 1);
    assert.equal(sampleValue(scraped, DATABASE_METRIC_NAMES.rows, { table: "history" }), 0);

    now += 40 * 24 * 3_600_000;
    await store.pruner({ maxAgeMs: { results: 1, history: 0, usage: 0 }, maxBytes: 0 }).prune();
    // A later scrape (on the injected clock) measures again.
    const later = parseExposition(await registry.metrics());
    assert.equal(sampleValue(later, DATABASE_METRIC_NAMES.rows, { table: "results" }), 0);
    assert.ok(sampleValue(later, DATABASE_METRIC_NAMES.fileBytes) < onDisk, "the file shrank");
    assert.equal(measured, 2);
    store.close();
  });
});
