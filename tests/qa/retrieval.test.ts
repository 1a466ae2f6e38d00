import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Store } from "../../src/memory/index.js";
import {
  ftsQuery,
  PassageIndex,
  reciprocalRankFusion,
  RRF_K,
  searchTerms,
  type PassageEmbedder,
} from "../../src/services/qa/index.js";

function storeWithResult(): { store: Store; id: number } {
  const store = Store.open(":memory:");
  const id = store.results.save({ chatId: 1, userId: 1, kind: "ocr", language: "en", text: "" });
  return { store, id };
}

const pages = [
  "The warranty for the Orion-7 pump lasts 14 months from the day of delivery.",
  "Гарантия на насос Вега-3 составляет 24 месяца с момента поставки.",
  "The cafeteria opens at nine and closes at five on weekdays.",
  "Отчёт о поставках за третий квартал был утверждён советом директоров.",
  "Filler text about nothing in particular, repeated for volume.",
].map((text, i) => ({ page: i + 1, text }));

/**
 * Vectors by the letters a text holds: texts sharing letters point alike. Enough to give the
 * fusion a second ranking that disagrees with BM25.
 */
class LetterEmbedder implements PassageEmbedder {
  readonly model = "letters";
  calls: { role: string; count: number; workClass: string | undefined }[] = [];
  constructor(private readonly serving = true) {}
  canServe(): boolean {
    return this.serving;
  }
  embed(
    texts: readonly string[],
    role: "query" | "passage",
    options?: { scheduling?: { workClass?: string } },
  ): Promise<Float32Array[]> {
    this.calls.push({ role, count: texts.length, workClass: options?.scheduling?.workClass });
    return Promise.resolve(
      texts.map((text) => {
        const vector = new Float32Array(64);
        for (const char of text.toLowerCase()) vector[(char.codePointAt(0) ?? 0) % 64]! += 1;
        return vector;
      }),
    );
  }
}

describe("the full-text query", () => {
  it("keeps content words and numbers, drops stop words in both languages", () => {
    assert.deepEqual(searchTerms("How long is the Orion-7 warranty?"), ["orion", "7", "warranty"]);
    assert.deepEqual(searchTerms("Какая гарантия у насоса Вега-3?"), [
      "гарантия",
      "насоса",
      "вега",
      "3",
    ]);
    assert.equal(ftsQuery(["насоса", "7", "ёж"]), '"насос"* OR "7" OR "ёж"');
  });

  it("turns hostile input into quoted terms or nothing", () => {
    const hostile = [
      "",
      "   ",
      '"',
      'pump" OR "',
      "NEAR(pump valve, 2)",
      "pump*",
      "(((",
      "text : pump",
      "result : r1",
      "^pump AND NOT -valve",
      "{text result} : x",
      "x".repeat(10_000),
      Array.from({ length: 3000 }, (_, i) => `word${i}`).join(" "),
      "the of and и в на",
    ];
    for (const input of hostile) {
      const query = ftsQuery(searchTerms(input));
      assert.match(query, /^(|"[\p{L}\p{N}]+"\*?( OR "[\p{L}\p{N}]+"\*?)*)$/u, input.slice(0, 40));
    }
  });

  it("searches hostile input without an error", async () => {
    const { store, id } = storeWithResult();
    const index = new PassageIndex(store.passages);
    await index.index(id, { text: "", pages });
    for (const input of ['pump" OR "', "NEAR(pump warranty)", "*", "()", "", "x".repeat(10_000)]) {
      const found = await index.retrieve(id, input, 3);
      assert.ok(found.length <= 3);
    }
    const near = await index.retrieve(id, 'NEAR("Orion" warranty)', 1);
    assert.equal(near[0]?.place && "page" in near[0].place ? near[0].place.page : 0, 1);
    store.close();
  });
});

describe("reciprocal rank fusion", () => {
  it("sums 1 / (k + rank) over the rankings, agreement first", () => {
    const fused = reciprocalRankFusion([
      ["a", "b", "c"],
      ["b", "c", "d"],
    ]);
    assert.deepEqual(
      fused.map((f) => f.id),
      ["b", "c", "a", "d"],
    );
    assert.equal(fused[0]?.score, 1 / (RRF_K + 2) + 1 / (RRF_K + 1));
    assert.equal(fused.find((f) => f.id === "a")?.score, 1 / (RRF_K + 1));
  });

  it("keeps one ranking's order when it is alone", () => {
    assert.deepEqual(
      reciprocalRankFusion([[3, 1, 2]]).map((f) => f.id),
      [3, 1, 2],
    );
    assert.deepEqual(reciprocalRankFusion([]), []);
  });
});

describe("retrieval by full text", () => {
  it("finds a fact by its key name and number, in another word form in Russian", async () => {
    const { store, id } = storeWithResult();
    const index = new PassageIndex(store.passages);
    assert.equal(index.has(id), false);
    assert.equal(await index.index(id, { text: "", pages }), 5);
    assert.equal(index.has(id), true);

    const en = await index.retrieve(id, "How long is the Orion-7 warranty?", 2);
    assert.deepEqual(en[0]?.place, { page: 1 });
    assert.ok((en[0]?.score ?? 0) > (en[1]?.score ?? 0));
    const ru = await index.retrieve(id, "Сколько длится гарантия насоса Вега?", 2);
    assert.deepEqual(ru[0]?.place, { page: 2 });
    // ё written as е finds "Отчёт ... утверждён".
    const yo = await index.retrieve(id, "Кем утвержден отчет о поставках?", 1);
    assert.deepEqual(yo[0]?.place, { page: 4 });
    store.close();
  });

  it("searches only the result asked about", async () => {
    const { store, id } = storeWithResult();
    const other = store.results.save({
      chatId: 2,
      userId: 2,
      kind: "ocr",
      language: "en",
      text: "",
    });
    const index = new PassageIndex(store.passages);
    await index.index(id, { text: "Nothing about pumps here." });
    await index.index(other, { text: "", pages });
    const found = await index.retrieve(id, "Orion-7 warranty", 5);
    assert.ok(found.every((p) => !p.text.includes("Orion")));
    store.close();
  });

  it("gives the beginning when a question has nothing to search by", async () => {
    const { store, id } = storeWithResult();
    const index = new PassageIndex(store.passages);
    await index.index(id, { text: "", pages });
    const found = await index.retrieve(id, "What is this about?", 2);
    assert.deepEqual(
      found.map((p) => p.ord),
      [0, 1],
    );
    assert.deepEqual(await index.retrieve(id, "Orion", 0), []);
    store.close();
  });

  it("is idempotent, and returns every passage in reading order", async () => {
    const { store, id } = storeWithResult();
    const index = new PassageIndex(store.passages);
    const progress: [number, number][] = [];
    await index.index(id, { text: "", pages }, { onProgress: (d, t) => progress.push([d, t]) });
    const before = store.passages.ofResult(id);
    await index.index(id, { text: "", pages });
    assert.deepEqual(store.passages.ofResult(id), before);
    assert.deepEqual(progress.at(-1), [5, 5]);
    assert.deepEqual(
      index.passages(id).map((p) => [p.ord, p.place]),
      pages.map((p, i) => [i, { page: p.page }]),
    );
    store.close();
  });
});

describe("retrieval with vectors", () => {
  it("embeds passages in batch turns with progress, once, and fuses both rankings", async () => {
    const { store, id } = storeWithResult();
    const embedder = new LetterEmbedder();
    const index = new PassageIndex(store.passages, { embedder, embedBatch: 2 });
    const progress: [number, number][] = [];
    await index.index(
      id,
      { text: "", pages },
      { scheduling: { owner: "tg:1" }, onProgress: (d, t) => progress.push([d, t]) },
    );
    assert.deepEqual(progress, [
      [0, 5],
      [2, 5],
      [4, 5],
      [5, 5],
    ]);
    assert.deepEqual(
      embedder.calls.map((c) => [c.role, c.count, c.workClass]),
      [
        ["passage", 2, "batch"],
        ["passage", 2, "batch"],
        ["passage", 1, "batch"],
      ],
    );
    assert.equal(store.passages.vectorsOf(id, "letters").length, 5);
    // Indexed again: nothing left to embed.
    await index.index(id, { text: "", pages });
    assert.equal(embedder.calls.length, 3);

    const found = await index.retrieve(id, "Orion-7 warranty", 5);
    assert.equal(embedder.calls.at(-1)?.role, "query");
    assert.deepEqual(found[0]?.place, { page: 1 });
    // The vector ranking brings passages full text can't find.
    assert.equal(found.length, 5);
    store.close();
  });

  it("searches by full text alone while the embedder can't serve", async () => {
    const { store, id } = storeWithResult();
    const embedder = new LetterEmbedder(false);
    const index = new PassageIndex(store.passages, { embedder });
    await index.index(id, { text: "", pages });
    const found = await index.retrieve(id, "Orion-7 warranty", 5);
    assert.equal(embedder.calls.length, 0);
    assert.deepEqual(
      found.map((p) => p.place),
      [{ page: 1 }],
    );
    store.close();
  });

  it("keeps the passages searchable by full text when embedding fails", async () => {
    const { store, id } = storeWithResult();
    const errors: unknown[] = [];
    const failing: PassageEmbedder = {
      model: "broken",
      embed: () => Promise.reject(new Error("model failed")),
    };
    const index = new PassageIndex(store.passages, {
      embedder: failing,
      onEmbedError: (e) => errors.push(e),
    });
    assert.equal(await index.index(id, { text: "", pages }), 5);
    assert.equal(errors.length, 1);
    assert.deepEqual((await index.retrieve(id, "Orion warranty", 1))[0]?.place, { page: 1 });
    store.close();
  });
});
