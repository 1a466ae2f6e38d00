import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { describe, it } from "node:test";
import {
  CATALOGUE_TASKS,
  PROFILES,
  fixtureModelsDir,
  resolveProfile,
} from "../../src/models/catalogue/index.js";

const GB = 1024 ** 3;

describe("model catalogue", () => {
  it("auto picks gpu when CUDA is usable and cpu otherwise", () => {
    assert.equal(resolveProfile("auto", {}, { cudaAvailable: true }).name, "gpu");
    const cpu = resolveProfile("auto", {}, { cudaAvailable: false });
    assert.equal(cpu.name, "cpu");
    assert.equal(cpu.requested, "auto");
    assert.equal(resolveProfile("cpu", {}, { cudaAvailable: true }).name, "cpu");
  });

  it("gpu profile puts Whisper and Qwen on CUDA and fits a 16 GB budget", () => {
    const gpu = PROFILES.gpu;
    assert.equal(gpu.models.asr.modelId, "onnx-community/whisper-large-v3-turbo");
    assert.equal(gpu.models.asr.device, "cuda");
    assert.equal(gpu.models.chat.modelId, "onnx-community/Qwen3.5-4B-ONNX");
    assert.equal(gpu.models.vision.modelId, "onnx-community/Qwen3.5-2B-ONNX");
    assert.equal(gpu.models.vision.device, "cuda");
    assert.equal(gpu.models.vision.fallback?.modelId, "onnx-community/Qwen3.5-0.8B-ONNX");
    const total = CATALOGUE_TASKS.reduce((sum, task) => sum + gpu.models[task].memoryBytes, 0);
    assert.ok(total < 16 * GB, `gpu profile needs ${total / GB} GB`);
  });

  it("cpu profile runs everything on CPU with smaller fallbacks", () => {
    for (const task of CATALOGUE_TASKS) {
      const entry = PROFILES.cpu.models[task];
      assert.equal(entry.device, "cpu", task);
      // Qwen3.5-0.8B is the smallest Qwen3.5; tesseract reads photos when it can't serve.
      if (task === "vision") {
        assert.equal(entry.modelId, "onnx-community/Qwen3.5-0.8B-ONNX");
        assert.equal(entry.fallback, undefined);
        continue;
      }
      // multilingual-e5-small is the smallest multilingual E5; full text searches without it.
      if (task === "embed") {
        assert.equal(entry.modelId, "Xenova/multilingual-e5-small");
        assert.equal(entry.fallback, undefined);
        continue;
      }
      assert.ok(entry.fallback, `${task} has a fallback`);
      assert.ok(entry.fallback.memoryBytes < entry.memoryBytes, `${task} fallback is smaller`);
    }
  });

  it("records MMS-TTS as non-commercial, espeak-ng as the fallback voice and tesseract for OCR", () => {
    for (const name of ["gpu", "cpu"] as const) {
      assert.equal(PROFILES[name].models["tts-ru"].modelId, "Xenova/mms-tts-rus");
      assert.equal(PROFILES[name].models["tts-en"].licence, "CC-BY-NC-4.0");
      assert.equal(PROFILES[name].ttsFallback.engine, "espeak-ng");
      assert.deepEqual(PROFILES[name].ocr.languages, ["rus", "eng"]);
    }
  });

  it("fixture profile is offline and reads the repository's fixtures", () => {
    const fixture = resolveProfile("fixture", {}, { cudaAvailable: true });
    assert.equal(fixture.allowRemoteModels, false);
    assert.equal(fixture.modelsDir, fixtureModelsDir);
    assert.ok(isAbsolute(fixtureModelsDir));
    assert.ok(
      existsSync(join(fixtureModelsDir, "..", "..", "package.json")),
      "fixtures/models sits in the repo root",
    );
    assert.deepEqual(
      CATALOGUE_TASKS.map((task) => fixture.models[task].modelId),
      [
        "fixture/whisper",
        "fixture/qwen3_5",
        "fixture/mms-tts-rus",
        "fixture/mms-tts-eng",
        "fixture/qwen3_5-vl",
        "fixture/multilingual-e5",
      ],
    );
  });

  it("applies per-task overrides field by field", () => {
    const resolved = resolveProfile(
      "cpu",
      {
        asr: { dtype: "fp32" },
        chat: { model: "onnx-community/Qwen2.5-0.5B-Instruct", device: "cuda" },
        "tts-en": {},
      },
      { cudaAvailable: false },
    );
    assert.equal(resolved.models.asr.modelId, PROFILES.cpu.models.asr.modelId);
    assert.equal(resolved.models.asr.dtype, "fp32");
    assert.ok(resolved.models.asr.fallback, "a dtype override keeps the fallback");
    assert.equal(resolved.models.chat.modelId, "onnx-community/Qwen2.5-0.5B-Instruct");
    assert.equal(resolved.models.chat.device, "cuda");
    assert.equal(resolved.models.chat.dtype, "q4");
    assert.equal(
      resolved.models.chat.fallback,
      undefined,
      "a model override drops the default's fallback",
    );
    assert.deepEqual(resolved.models["tts-en"], PROFILES.cpu.models["tts-en"]);
    assert.equal(PROFILES.cpu.models.asr.dtype, "q8", "the catalogue itself is untouched");
  });

  it("is frozen, resolved profiles too", () => {
    const resolved = resolveProfile("gpu", {}, { cudaAvailable: true });
    assert.throws(() => {
      (PROFILES.gpu.models.asr as { dtype: string }).dtype = "fp32";
    }, TypeError);
    assert.throws(() => {
      (resolved.models as Record<string, unknown>).asr = undefined;
    }, TypeError);
  });
});
