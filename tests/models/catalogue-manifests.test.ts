/**
 * Every gpu/cpu catalogue entry (and fallback) against the checked-in manifest of its real hub
 * repository: the files model-files.ts selects for the entry's dtype, and for a CUDA entry's
 * cpuDtype, exist in the real layout (external-data chunks included), and the entry's
 * downloadBytes is the manifest's sum for them.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { CATALOGUE_TASKS, PROFILES, type ModelEntry } from "../../src/models/catalogue/index.js";
import {
  modelFiles,
  onnxWeightBytes,
  sessionsFor,
  type ModelConfigHints,
  type ModelDtype,
} from "../../src/models/runtime/model-files.js";

const MANIFESTS = fileURLToPath(new URL("../../src/models/catalogue/manifests", import.meta.url));

interface Manifest {
  modelId: string;
  licence: string;
  source: string[];
  config: ModelConfigHints;
  files: { path: string; bytes: number | null }[];
}

function manifestOf(modelId: string): Manifest {
  const manifest = JSON.parse(
    readFileSync(join(MANIFESTS, `${modelId.replace("/", "__")}.json`), "utf8"),
  ) as Manifest;
  assert.equal(manifest.modelId, modelId);
  return manifest;
}

/** Entries whose ONNX sizes no stored page gives; their downloadBytes is a documented estimate. */
const ESTIMATED = new Set([
  "onnx-community/Qwen3.5-0.8B-ONNX q4",
  "onnx-community/Qwen3.5-2B-ONNX q4f16",
]);

/**
 * Entries with no smaller sibling: Qwen3.5-0.8B is the smallest Qwen3.5 (cpu vision),
 * multilingual-e5-small the smallest multilingual E5.
 */
const NO_FALLBACK = new Set(["cpu vision", "gpu embed", "cpu embed"]);

const entries: ModelEntry[] = (["gpu", "cpu"] as const).flatMap((profile) =>
  CATALOGUE_TASKS.flatMap((task) => {
    const { fallback, ...entry } = PROFILES[profile].models[task];
    return fallback ? [entry, fallback] : [entry];
  }),
);

/** The files a dtype selects, each looked up in the manifest (size `null` when not published). */
function selected(entry: ModelEntry, dtype: ModelDtype, manifest: Manifest) {
  const sizes = new Map(manifest.files.map((f) => [f.path, f.bytes]));
  const files = modelFiles(entry.pipelineTask, dtype, manifest.config);
  const missing = files.filter((f) => f.required && !sizes.has(f.path)).map((f) => f.path);
  const present = files.filter((f) => sizes.has(f.path));
  return { missing, present, sizes };
}

describe("catalogue against the real repositories' manifests", () => {
  it("has a manifest with a hub URL and the same licence for every gpu/cpu model", () => {
    for (const entry of entries) {
      const manifest = manifestOf(entry.modelId);
      assert.ok(
        manifest.source.every((url) => url.startsWith("https://huggingface.co/")),
        entry.modelId,
      );
      assert.equal(manifest.licence, entry.licence, entry.modelId);
    }
  });

  it("selects only files that exist in the real layout, for dtype and cpuDtype", () => {
    for (const entry of entries) {
      const manifest = manifestOf(entry.modelId);
      for (const dtype of [entry.dtype, entry.cpuDtype ?? entry.dtype]) {
        const { missing } = selected(entry, dtype, manifest);
        assert.deepEqual(missing, [], `${entry.modelId} ${dtype}`);
      }
    }
  });

  it("gives every CUDA entry a cpuDtype other than fp16/q4f16", () => {
    for (const entry of entries.filter((e) => e.device === "cuda")) {
      assert.ok(entry.cpuDtype, entry.modelId);
      assert.ok(!["fp16", "q4f16"].includes(entry.cpuDtype), entry.modelId);
    }
  });

  it("sizes downloadBytes as the manifest's sum of the selected files", () => {
    for (const entry of entries) {
      const { present, sizes } = selected(entry, entry.dtype, manifestOf(entry.modelId));
      const onnxUnknown = present.filter(
        (f) => f.path.startsWith("onnx/") && sizes.get(f.path) === null,
      );
      const known = present.reduce((sum, f) => sum + (sizes.get(f.path) ?? 0), 0);
      const key = `${entry.modelId} ${entry.dtype}`;
      if (ESTIMATED.has(key)) {
        assert.ok(onnxUnknown.length > 0, `${key} is sized now: drop it from ESTIMATED`);
        assert.ok(entry.downloadBytes > known, key);
      } else {
        assert.deepEqual(onnxUnknown, [], `${key}: every ONNX file has a size`);
        assert.equal(entry.downloadBytes, known, key);
      }
    }
  });

  it("keeps each fallback smaller than its entry", () => {
    for (const profile of ["gpu", "cpu"] as const) {
      for (const task of CATALOGUE_TASKS) {
        const { fallback, ...entry } = PROFILES[profile].models[task];
        if (NO_FALLBACK.has(`${profile} ${task}`)) {
          assert.equal(fallback, undefined, `${profile} ${task}`);
          continue;
        }
        assert.ok(fallback, `${profile} ${task}`);
        assert.ok(fallback.memoryBytes < entry.memoryBytes, `${profile} ${task}`);
        assert.ok(fallback.downloadBytes < entry.downloadBytes, `${profile} ${task}`);
      }
    }
  });

  it("has no manifest that no catalogue entry uses", () => {
    const used = new Set(entries.map((e) => `${e.modelId.replace("/", "__")}.json`));
    assert.deepEqual(
      readdirSync(MANIFESTS).filter((name) => !used.has(name)),
      [],
    );
  });
});

describe("model-files on the real layouts", () => {
  const qwen4b = manifestOf("onnx-community/Qwen3.5-4B-ONNX");

  it("opens a Qwen3.5 (vision-language) export text-only: embed_tokens + decoder, no vision", () => {
    assert.deepEqual(sessionsFor("text-generation", qwen4b.config), [
      "embed_tokens",
      "decoder_model_merged",
    ]);
    assert.deepEqual(sessionsFor("text-generation", {}), ["model"]);
  });

  it("lists every external-data chunk of a split decoder", () => {
    const paths = modelFiles("text-generation", "q4", qwen4b.config).map((f) => f.path);
    assert.deepEqual(
      paths.filter((p) => p.startsWith("onnx/")),
      [
        "onnx/embed_tokens_q4.onnx",
        "onnx/embed_tokens_q4.onnx_data",
        "onnx/decoder_model_merged_q4.onnx",
        "onnx/decoder_model_merged_q4.onnx_data",
        "onnx/decoder_model_merged_q4.onnx_data_1",
      ],
    );
  });

  it("sizes the on-disk weights of the text-only sessions, chunks included", () => {
    const dir = mkdtempSync(join(tmpdir(), "qwen35-layout-"));
    try {
      mkdirSync(join(dir, "onnx"));
      writeFileSync(join(dir, "config.json"), JSON.stringify(qwen4b.config));
      const sizes: Record<string, number> = {
        "embed_tokens_q4.onnx": 1,
        "embed_tokens_q4.onnx_data": 10,
        "decoder_model_merged_q4.onnx": 100,
        "decoder_model_merged_q4.onnx_data": 1000,
        "decoder_model_merged_q4.onnx_data_1": 10000,
        "vision_encoder_q4.onnx": 100000,
      };
      for (const [name, size] of Object.entries(sizes)) {
        writeFileSync(join(dir, "onnx", name), Buffer.alloc(size));
      }
      assert.equal(onnxWeightBytes(dir, "text-generation", "q4"), 11111);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
