/**
 * /status shows the database's size on disk (WAL included), its free pages and the rows
 * of the tables that grow, from a real file, in both languages.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { createI18n } from "../../src/bot/i18n.js";
import { formatBytes, formatStatus } from "../../src/bot/status.js";
import { Store } from "../../src/memory/index.js";
import { StatusService } from "../../src/services/status/index.js";
import { ManualClock } from "../../src/shared/clock.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "status-db-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("/status: the database", () => {
  it("shows the file with its WAL, free space inside and rows per table", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const file = path.join(dir, "bot.sqlite");
    const store = Store.open(file, { now: () => clock.now() });
    // No models here: only the database's part of the snapshot matters.
    const noModels = { budgetBytes: 0, inUseBytes: 0, reservedBytes: 0, peakBytes: 0 };
    const stats = () => ({ ...noModels, pendingLoads: [], models: [] });
    const status = new StatusService({ stats, store, clock, startedAt: 0, device: "cpu" });
    for (let i = 0; i < 300; i++)
      store.results.save({
        chatId: 1,
        userId: 1,
        kind: "ocr",
        language: "en",
        text: "x".repeat(8000),
      });
    store.history.append({ chatId: 1, userId: 1 }, [{ role: "user", kind: "text", text: "hi" }]);

    const { database } = status.snapshot();
    const wal = fs.statSync(`${file}-wal`).size;
    assert.equal(database?.fileBytes, fs.statSync(file).size + wal);
    assert.deepEqual(database?.rows, { results: 300, history: 1, usage: 0 });
    const i18n = createI18n();
    const en = formatStatus(status.snapshot(), (key, vars) => i18n.t("en", key, vars));
    assert.match(
      en,
      new RegExp(
        `\\nDatabase: ${formatBytes(database!.fileBytes)} on disk \\(WAL ${formatBytes(wal)}, 0 KiB free inside\\) · results 300 · turns 1 · usage 0\\n`,
      ),
    );
    const ru = formatStatus(status.snapshot(), (key, vars) => i18n.t("ru", key, vars));
    assert.match(
      ru,
      /\nБаза данных: \d+ MiB на диске \(WAL \d+ MiB, свободно внутри 0 KiB\) · результатов 300 · реплик 1/,
    );
    store.close();
  });
});
