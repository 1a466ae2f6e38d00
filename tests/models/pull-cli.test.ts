/**
 * `npm run models:pull -- --profile cpu` end to end, against a loopback hub that serves the
 * fixtures under the cpu profile's hub ids (with each graph also published under the dtype
 * file names the profile selects): every model and fallback is downloaded, then loaded.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, it } from "node:test";
import { CATALOGUE_TASKS, PROFILES, fixtureModelsDir } from "../../src/models/catalogue/index.js";
import { DTYPE_SUFFIX } from "../../src/models/runtime/index.js";
import { startLoopbackHub, type LoopbackHub } from "./support/loopback-hub.js";

// Chat and vision share the Qwen3.5 repositories (the cpu profile's 0.8B serves both): the
// vision fixture is a superset that text-generation opens text-only, as it does the real ones.
const FIXTURE_OF = {
  "automatic-speech-recognition": "whisper",
  "text-generation": "qwen3_5-vl",
  "text-to-speech": "mms-tts-eng",
  "image-text-to-text": "qwen3_5-vl",
  "feature-extraction": "multilingual-e5",
} as const;

const tmp = mkdtempSync(join(tmpdir(), "pull-cli-"));
let hub: LoopbackHub;
const models: Record<string, string> = {};

before(async () => {
  for (const task of CATALOGUE_TASKS) {
    const entry = PROFILES.cpu.models[task];
    for (const model of [entry, entry.fallback]) {
      if (!model) continue;
      const folder = join(tmp, "hub", model.modelId);
      if (!existsSync(folder)) {
        const source = join(fixtureModelsDir, "fixture", FIXTURE_OF[model.pipelineTask]);
        cpSync(source, folder, { recursive: true });
      }
      // The fixtures hold fp32 graphs only; publish them under the name the dtype selects.
      for (const graph of readdirSync(
        join(fixtureModelsDir, "fixture", FIXTURE_OF[model.pipelineTask], "onnx"),
      )) {
        const renamed = graph.replace(/\.onnx$/, `${DTYPE_SUFFIX[model.dtype]}.onnx`);
        if (renamed !== graph) cpSync(join(folder, "onnx", graph), join(folder, "onnx", renamed));
      }
      models[model.modelId] = folder;
    }
  }
  hub = await startLoopbackHub({ models });
});
/** `models:pull --profile cpu` into `modelsDir` from the hub at `hubUrl`. */
function modelsPull(modelsDir: string, hubUrl: string, ...extra: string[]) {
  return promisify(execFile)(
    process.execPath,
    [
      "--import",
      "tsx",
      "scripts/models-pull.ts",
      ...["--profile", "cpu", "--models-dir", modelsDir, "--remote-host", hubUrl, ...extra],
    ],
    { env: { ...process.env, LOG_LEVEL: "silent" } },
  );
}

after(async () => {
  await hub.close();
  rmSync(tmp, { recursive: true, force: true });
});

it("pulls the cpu profile with its fallbacks and checks that each model loads", async () => {
  const modelsDir = join(tmp, "models");
  const { stdout } = await modelsPull(modelsDir, hub.url);
  for (const modelId of Object.keys(models)) {
    assert.match(stdout, new RegExp(`loads: ${modelId.replace(".", "\\.")} on cpu`), modelId);
    assert.ok(existsSync(join(modelsDir, modelId, "config.json")), `${modelId} is in MODELS_DIR`);
  }
  assert.equal(Object.keys(models).length, 7);
  // Each MMS voice comes as fp32 and as its q8 fallback.
  // 10: Qwen3.5-0.8B twice, as the chat fallback (text-only) and as the vision model.
  assert.match(stdout, /10 model variants in /);
  assert.ok(existsSync(join(modelsDir, "Xenova/whisper-small/onnx/encoder_model_quantized.onnx")));
});

it("goes on past a model the hub lacks, names it at the end and exits non-zero", async () => {
  const [missing, ...kept] = Object.keys(models);
  const partialHub = await startLoopbackHub({
    models: Object.fromEntries(kept.map((id) => [id, models[id] as string])),
  });
  try {
    const modelsDir = join(tmp, "models-partial");
    const run = modelsPull(modelsDir, partialHub.url, "--no-verify");
    const failure = await run.then(
      () => assert.fail("models:pull should exit non-zero"),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    assert.equal(failure.code, 1);
    assert.match(failure.stderr, /1 model variant\(s\) failed:/);
    assert.match(failure.stderr, new RegExp(`  ${(missing as string).replace(".", "\\.")} \\(`));
    for (const modelId of kept) {
      assert.ok(existsSync(join(modelsDir, modelId, "config.json")), `${modelId} still pulled`);
    }
  } finally {
    await partialHub.close();
  }
});
