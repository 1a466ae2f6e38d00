/**
 * The embedding kind end to end: the fixture E5 model through its adapter and the model
 * manager, as the index's embedder, on a real store; and full text alone when it can't serve.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { silentLogger } from "../../src/log/index.js";
import { Store } from "../../src/memory/index.js";
import { createE5Embedder, E5_PREFIX } from "../../src/models/adapters/embed-e5.js";
import { fixtureModelsDir, resolveProfile } from "../../src/models/catalogue/index.js";
import { ModelManager } from "../../src/models/manager/index.js";
import { configureRuntime } from "../../src/models/runtime/index.js";
import { ManualClock, systemClock } from "../../src/shared/clock.js";
import { EMBED_RETRY_MS, ModelEmbedder, PassageIndex } from "../../src/services/qa/index.js";
import { EMBED_DIMENSIONS } from "../../scripts/fixtures/index.js";

const logger = silentLogger();
const profile = resolveProfile("fixture", {}, { cudaAvailable: false });

const pages = [
  "The warranty for the Orion-7 pump lasts 14 months.",
  "Гарантия на насос Вега-3 составляет 24 месяца.",
  "The cafeteria opens at nine.",
].map((text, i) => ({ page: i + 1, text }));

describe("the embedding model as the index's embedder", () => {
  let manager: ModelManager;
  before(() => {
    configureRuntime({ modelsDir: fixtureModelsDir, allowRemoteModels: false, logger });
    manager = new ModelManager({ budgetBytes: 2 * 1024 ** 3, clock: systemClock, logger });
  });
  after(() => manager.shutdown(1_000));

  it("embeds unit vectors with E5's prefixes, in the model's line", async () => {
    const runtime = configureRuntime({
      modelsDir: fixtureModelsDir,
      allowRemoteModels: false,
      logger,
    });
    const handle = manager.register(
      createE5Embedder({ spec: profile.models.embed, runtime, logger }),
      {
        idleUnloadMs: 0,
      },
    );
    const embedder = new ModelEmbedder(handle, profile.models.embed.modelId, new ManualClock());
    const [query, passage] = [
      ...(await embedder.embed(["Orion"], "query", { scheduling: { owner: "tg:1" } })),
      ...(await embedder.embed(["Orion"], "passage")),
    ];
    assert.equal(query?.length, EMBED_DIMENSIONS);
    const norm = Math.hypot(...(query ?? []));
    assert.ok(Math.abs(norm - 1) < 1e-5, `${norm}`);
    // The same text as a question and as a passage: the prefixes make them differ.
    assert.notDeepEqual(query, passage);
    assert.deepEqual(await embedder.embed([], "passage"), []);
    assert.equal(E5_PREFIX.query, "query: ");

    const store = Store.open(":memory:");
    const id = store.results.save({ chatId: 1, userId: 1, kind: "ocr", language: "en", text: "" });
    const index = new PassageIndex(store.passages, { embedder });
    await index.index(id, { text: "", pages }, { scheduling: { owner: "tg:1" } });
    const vectors = store.passages.vectorsOf(id, "fixture/multilingual-e5");
    assert.equal(vectors.length, 3);
    assert.ok(vectors.every((v) => v.vector.length === EMBED_DIMENSIONS));
    const found = await index.retrieve(id, "How long is the Orion-7 warranty?", 3);
    assert.deepEqual(found[0]?.place, { page: 1 });
    // Fused: the vector ranking adds the passages full text did not match.
    assert.equal(found.length, 3);
    store.close();
  });

  it("searches by full text alone, and stops asking for a while, when the model is missing", async () => {
    const runtime = configureRuntime({
      modelsDir: fixtureModelsDir,
      allowRemoteModels: false,
      logger,
    });
    // config and tokenizer only: the load fails with model.missing.
    const spec = { ...profile.models.embed, modelId: "fixture/missing" };
    const own = new ModelManager({ budgetBytes: 2 * 1024 ** 3, clock: systemClock, logger });
    const handle = own.register(createE5Embedder({ spec, runtime, logger }), { idleUnloadMs: 0 });
    const clock = new ManualClock();
    const embedder = new ModelEmbedder(handle, "fixture/missing", clock);
    const errors: unknown[] = [];
    const store = Store.open(":memory:");
    const id = store.results.save({ chatId: 1, userId: 1, kind: "ocr", language: "en", text: "" });
    const index = new PassageIndex(store.passages, {
      embedder,
      onEmbedError: (e) => errors.push(e),
    });
    assert.equal(await index.index(id, { text: "", pages }), 3);
    assert.equal(errors.length, 1);
    assert.equal(embedder.canServe(), false);
    const found = await index.retrieve(id, "Orion-7 warranty", 3);
    assert.deepEqual(
      found.map((p) => p.place),
      [{ page: 1 }],
    );
    assert.equal(errors.length, 1, "not asked again while it can't serve");
    await clock.advance(EMBED_RETRY_MS);
    assert.equal(embedder.canServe(), true);
    store.close();
    await own.shutdown(1_000);
  });
});
