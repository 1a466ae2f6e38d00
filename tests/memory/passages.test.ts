import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { Store } from "../../src/memory/index.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "passages-test-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Rows of the full-text table (its vocabulary would outlive deleted rows in a plain table). */
function ftsRows(store: Store): number {
  return (store.db.prepare("SELECT count(*) AS n FROM passages_fts").get() as { n: number }).n;
}

function passageRows(store: Store): number {
  return (store.db.prepare("SELECT count(*) AS n FROM passages").get() as { n: number }).n;
}

function saveResult(store: Store, userId: number, text = "text"): number {
  return store.results.save({ chatId: userId, userId, kind: "ocr", language: "en", text });
}

describe("passage store", () => {
  it("keeps passages with their places across a reopen and finds them by full text", () => {
    const file = path.join(dir, "reopen.sqlite");
    const first = Store.open(file);
    const id = saveResult(first, 1);
    first.passages.replace(id, [
      { ord: 0, text: "The Orion pump is blue.", page: 1 },
      { ord: 1, text: "Ёлка стоит в углу.", startS: 3, endS: 9.5 },
      { ord: 2, text: "Plain words." },
    ]);
    first.close();

    const second = Store.open(file);
    assert.deepEqual(
      second.passages.ofResult(id).map(({ id: _id, ...rest }) => rest),
      [
        { ord: 0, text: "The Orion pump is blue.", page: 1 },
        { ord: 1, text: "Ёлка стоит в углу.", startS: 3, endS: 9.5 },
        { ord: 2, text: "Plain words." },
      ],
    );
    assert.equal(second.passages.count(id), 3);
    assert.deepEqual(
      second.passages.search(id, '"orion"', 5).map((hit) => hit.ord),
      [0],
    );
    // ё is indexed as е, so either spelling finds it.
    assert.deepEqual(
      second.passages.search(id, '"елка"', 5).map((hit) => hit.ord),
      [1],
    );
    second.close();
  });

  it("searches one result only", () => {
    const store = Store.open(":memory:");
    const a = saveResult(store, 1);
    const b = saveResult(store, 2);
    store.passages.replace(a, [{ ord: 0, text: "warranty of the pump" }]);
    store.passages.replace(b, [{ ord: 0, text: "warranty of the valve" }]);
    const hits = store.passages.search(b, '"warranty"', 5);
    assert.deepEqual(
      hits.map((hit) => hit.text),
      ["warranty of the valve"],
    );
    store.close();
  });

  it("replaces a result's passages and their full-text rows", () => {
    const store = Store.open(":memory:");
    const id = saveResult(store, 1);
    store.passages.replace(id, [
      { ord: 0, text: "old alpha" },
      { ord: 1, text: "old beta" },
    ]);
    store.passages.replace(id, [{ ord: 0, text: "new gamma" }]);
    assert.equal(ftsRows(store), 1);
    assert.deepEqual(store.passages.search(id, '"alpha"', 5), []);
    assert.equal(store.passages.search(id, '"gamma"', 5).length, 1);
    store.close();
  });

  it("stores vectors as Float32 per model and leaves out other models' vectors", () => {
    const store = Store.open(":memory:");
    const id = saveResult(store, 1);
    store.passages.replace(id, [
      { ord: 0, text: "one" },
      { ord: 1, text: "two" },
    ]);
    store.passages.setVectors(id, "m1", [{ ord: 1, vector: new Float32Array([0.5, -1, 2]) }]);
    assert.deepEqual(store.passages.vectorsOf(id, "m1"), [
      { ord: 1, vector: new Float32Array([0.5, -1, 2]) },
    ]);
    assert.deepEqual(store.passages.vectorsOf(id, "m2"), []);
    store.close();
  });

  it("leaves no passages and no full-text rows when results are deleted, as /forget and pruning do", () => {
    const store = Store.open(path.join(dir, "cascade.sqlite"));
    const kept = saveResult(store, 1);
    const forgotten = saveResult(store, 2);
    const pruned = saveResult(store, 3);
    for (const id of [kept, forgotten, pruned]) {
      store.passages.replace(id, [
        { ord: 0, text: `pump ${id}` },
        { ord: 1, text: `valve ${id}` },
      ]);
    }
    assert.equal(ftsRows(store), 6);

    store.forgetUser(2);
    store.db.prepare("DELETE FROM results WHERE id = ?").run(pruned);

    assert.equal(passageRows(store), 2);
    assert.equal(ftsRows(store), 2);
    assert.equal(store.passages.count(forgotten), 0);
    assert.deepEqual(store.passages.search(forgotten, '"pump"', 5), []);
    assert.deepEqual(
      store.passages.search(kept, '"pump"', 5).map((hit) => hit.text),
      [`pump ${kept}`],
    );
    // The deleted rows' terms are gone from the index itself, not only hidden by the join.
    const vocab = store.db.prepare(
      "SELECT count(*) AS n FROM passages_fts WHERE passages_fts MATCH ?",
    ) as { get(match: string): { n: number } };
    assert.equal(vocab.get(`"${forgotten}" OR "${pruned}"`).n, 0);
    store.close();
  });

  it("exports results as text and never a passage or a vector", () => {
    const store = Store.open(":memory:");
    store.users.touchUser({ id: 5, firstName: "u" });
    const id = saveResult(store, 5, "The whole recognized text.");
    store.passages.replace(id, [{ ord: 0, text: "The whole recognized text." }]);
    store.passages.setVectors(id, "m", [{ ord: 0, vector: new Float32Array([1, 2]) }]);
    const exported = JSON.stringify(store.exporter.export(5));
    assert.ok(exported.includes("The whole recognized text."));
    assert.ok(!/passage|vector/i.test(exported), exported);
    store.close();
  });
});
