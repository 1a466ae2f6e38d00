/**
 * The model-kind table: every row is complete, what is derived from it is what the code
 * listed by hand before the table (cluster kinds, queues, WORKER_MODELS, catalogue tasks,
 * override variables), every row has an adapter that builds a model of its id and task, and
 * the one "can't serve" rule answers each error code as the fallbacks need.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { silentLogger } from "../../src/log/index.js";
import { MODEL_KINDS, resolveKinds } from "../../src/cluster/kinds.js";
import { MODEL_IDS } from "../../src/config/parsers.js";
import { envSchema } from "../../src/config/schema.js";
import { CATALOGUE_TASKS, PROFILES, resolveProfile } from "../../src/models/catalogue/index.js";
import { createKindModels } from "../../src/models/kinds/adapters.js";
import {
  cannotServe,
  KIND_TABLE,
  kindHandles,
  voicesOf,
  WORKER_MODEL_NAMES,
} from "../../src/models/kinds/index.js";
import { configureRuntime } from "../../src/models/runtime/index.js";
import { fixtureFiles } from "../../scripts/fixtures/index.js";
import { ManualClock } from "../../src/shared/clock.js";
import {
  AppError,
  CapacityError,
  ERROR_CODES,
  InputError,
  ModelError,
  cancelledError,
} from "../../src/shared/errors.js";

describe("the model-kind table", () => {
  it("has every field in every row, ids and queues unique", () => {
    for (const row of KIND_TABLE) {
      for (const field of ["id", "task", "adapter", "catalogue", "queue", "wire", "concurrency"])
        assert.ok(field in row && (row as Record<string, unknown>)[field], `${row.id}.${field}`);
      assert.ok(Array.isArray(row.workerGroups), `${row.id}.workerGroups`);
      assert.ok("fallback" in row && "pinned" in row, row.id);
      assert.ok(row.waitingBytes({ asrMaxSeconds: 600 }) > 0, `${row.id}.waitingBytes`);
      if (row.catalogue.in === "models") {
        assert.ok("overrides" in row, `${row.id} has override variables`);
        assert.ok(fixtureFiles().has(row.catalogue.fixture), `${row.id}'s fixture is generated`);
      }
    }
    assert.equal(new Set(KIND_TABLE.map((row) => row.id)).size, KIND_TABLE.length);
    assert.equal(new Set(KIND_TABLE.map((row) => row.queue)).size, KIND_TABLE.length);
    assert.ok(Object.isFrozen(KIND_TABLE) && Object.isFrozen(KIND_TABLE[0]!.catalogue));
  });

  it("derives the lists the code kept by hand before", () => {
    const kinds = ["asr", "vad", "chat", "ocr", "tts-ru", "tts-en", "vision", "embed"];
    assert.deepEqual(MODEL_KINDS, kinds);
    assert.deepEqual([...MODEL_IDS].sort(), [...kinds].sort());
    assert.deepEqual(
      KIND_TABLE.map((row) => row.queue),
      kinds.map((kind) => `jobs-${kind}`),
    );
    assert.deepEqual(CATALOGUE_TASKS, ["asr", "chat", "tts-ru", "tts-en", "vision", "embed"]);
    assert.deepEqual(WORKER_MODEL_NAMES, [
      "asr",
      "vad",
      "chat",
      "ocr",
      "tts",
      "tts-ru",
      "tts-en",
      "vision",
      "embed",
    ]);
    assert.deepEqual(resolveKinds(["tts"]), ["tts-ru", "tts-en"]);
    assert.deepEqual(resolveKinds(["vision", "asr"]), ["vision", "asr", "vad"]);
    assert.deepEqual(resolveKinds(["vad"]), ["vad"]);
    const wires = Object.fromEntries(KIND_TABLE.map((row) => [row.id, row.wire]));
    assert.deepEqual(
      Object.keys(wires).filter((kind) => wires[kind] !== "plain"),
      ["chat", "vision"],
    );
    assert.deepEqual(Object.fromEntries(KIND_TABLE.map((row) => [row.id, row.fallback])), {
      asr: null,
      vad: null,
      chat: null,
      ocr: null,
      "tts-ru": "espeak-ng",
      "tts-en": "espeak-ng",
      vision: "tesseract",
      embed: null,
    });
  });

  it("names the same override variables as before, in the env schema", () => {
    const keys = Object.keys(envSchema.shape);
    for (const name of [
      "ASR_MODEL",
      "ASR_DTYPE",
      "ASR_DEVICE",
      "CHAT_MODEL",
      "CHAT_DTYPE",
      "CHAT_DEVICE",
      "TTS_MODEL_RU",
      "TTS_MODEL_EN",
      "TTS_DTYPE",
      "TTS_DEVICE",
      "VISION_MODEL",
      "VISION_DTYPE",
      "VISION_DEVICE",
      "EMBED_MODEL",
      "EMBED_DTYPE",
      "EMBED_DEVICE",
    ])
      assert.ok(keys.includes(name), name);
    assert.ok(!keys.some((key) => /^(VAD|OCR)_(MODEL|DTYPE|DEVICE)$/.test(key)));
  });

  it("derives the fixture profile from each row's fixture", () => {
    for (const row of KIND_TABLE) {
      if (row.catalogue.in !== "models") continue;
      const entry = PROFILES.fixture.models[row.id as (typeof CATALOGUE_TASKS)[number]];
      assert.equal(entry.modelId, row.catalogue.fixture);
      assert.equal(entry.pipelineTask, row.catalogue.pipelineTask);
    }
  });

  it("builds each kind's model with its adapter: the row's id and task", () => {
    const profile = resolveProfile("fixture", {}, { cudaAvailable: false });
    const runtime = configureRuntime({
      modelsDir: PROFILES.fixture.modelsDir!,
      allowRemoteModels: false,
      logger: silentLogger(),
    });
    const models = createKindModels(profile, {
      runtime,
      logger: silentLogger(),
      clock: new ManualClock(),
      ocr: { dataDir: "/nonexistent" },
    });
    for (const row of KIND_TABLE) {
      assert.equal(models[row.id].id, row.id);
      assert.equal(models[row.id].task, row.task);
    }
    const handles = kindHandles((row) => ({ id: row.id, run: () => Promise.resolve(row.id) }));
    const voices = voicesOf(handles);
    assert.deepEqual(Object.keys(voices), ["ru", "en"]);
    assert.equal(voices.ru, handles["tts-ru"]);
  });
});

describe("cannotServe", () => {
  it("is true when no model can be had, in this process or in a cluster", () => {
    const yes = ["model.missing", "model.load_failed", "model.budget_exceeded"] as const;
    for (const code of yes) {
      assert.equal(cannotServe(new ModelError(code, code)), true, code);
      // As a worker's error arrives on the bot: a plain AppError with the worker's code.
      assert.equal(cannotServe(new AppError(code, code)), true, `${code} from a worker`);
    }
    assert.equal(cannotServe(new ModelError("cluster.no_worker", "none")), true);
  });

  it("is false for a cancel, a full line, a failure on this input and anything else", () => {
    const serving = new Set([
      "model.missing",
      "model.load_failed",
      "model.budget_exceeded",
      "cluster.no_worker",
    ]);
    for (const code of ERROR_CODES.filter((code) => !serving.has(code)))
      assert.equal(cannotServe(new AppError(code, code)), false, code);
    assert.equal(cannotServe(cancelledError()), false);
    assert.equal(cannotServe(new CapacityError("model.busy", "busy")), false);
    assert.equal(cannotServe(new InputError("audio.corrupt", "bad")), false);
    assert.equal(cannotServe(new ModelError("model.failed", "this input")), false);
    assert.equal(cannotServe(new Error("model.missing")), false);
    assert.equal(cannotServe(undefined), false);
  });
});
