/**
 * `npm run models:check` end to end on the fixture profile: every model, the VAD included,
 * loads and answers a tiny input (exit 0, one row per model); with a model's ONNX files removed
 * (a temporary copy of the fixtures as the models folder) it names that model and exits 1.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, describe, it } from "node:test";
import { fixtureModelsDir } from "../../src/models/catalogue/index.js";

const tmp = mkdtempSync(join(tmpdir(), "models-check-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function modelsCheck(...args: string[]): Promise<Outcome> {
  return promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "scripts/models-check.ts", ...args],
    { env: { ...process.env, LOG_LEVEL: "silent" } },
  ).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: Outcome) => error,
  );
}

/** The table's rows: lines that start with a task name. */
const rowsOf = (stdout: string) =>
  stdout.split("\n").filter((line) => /^(asr|chat|tts-ru|tts-en|vision|embed|vad) /.test(line));

describe("models:check", () => {
  it("on the fixture profile prints one row per model, each loaded and run, and exits 0", async () => {
    const { code, stdout, stderr } = await modelsCheck("--profile", "fixture");
    assert.equal(code, 0, stderr);
    const rows = rowsOf(stdout);
    assert.deepEqual(
      rows.map((row) => row.split(/\s+/)[0]),
      ["asr", "chat", "tts-ru", "tts-en", "vision", "embed", "vad"],
    );
    const vad = rows.pop();
    // The VAD's one ONNX file (from the npm package), loaded and run on one 512-sample frame.
    assert.match(
      vad ?? "",
      /^vad\s+silero-vad-v5 cpu\s+1\/1\s+cpu\s+—\s+\d+ ms\s+—\s+\d+ ms\s+OK$/,
    );
    for (const row of rows) {
      assert.match(
        row,
        /^\S+\s+fixture\/\S+ fp32 cpu\s+(\d+)\/\1\s+cpu\s+fp32\s+\d+ ms\s+\d+ MiB RAM\s+\d+ ms\s+OK$/,
      );
    }
    assert.match(stdout, /all 7 models can serve/);
  });

  it("names the model whose files are missing and exits non-zero", async () => {
    const modelsDir = join(tmp, "models");
    cpSync(fixtureModelsDir, modelsDir, { recursive: true });
    rmSync(join(modelsDir, "fixture", "qwen3_5", "onnx"), { recursive: true });
    const { code, stdout, stderr } = await modelsCheck(
      "--profile",
      "fixture",
      "--models-dir",
      modelsDir,
    );
    assert.equal(code, 1);
    const chat = rowsOf(stdout).find((row) => row.startsWith("chat"));
    assert.match(chat ?? "", /^chat\s+fixture\/qwen3_5 fp32 cpu\s+3\/5\s+—.*FAIL$/);
    assert.match(
      stdout,
      /chat: missing onnx\/embed_tokens\.onnx, onnx\/decoder_model_merged\.onnx/,
    );
    assert.match(stderr, /cannot serve: chat \(fixture\/qwen3_5 fp32 cpu\)/);
    assert.equal(rowsOf(stdout).filter((row) => row.endsWith("OK")).length, 6);
  });
});
