import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createI18n } from "../../src/bot/i18n.js";
import { formatStatus } from "../../src/bot/status.js";
import type { StatusSnapshot } from "../../src/bot/ports.js";

const snapshot: StatusSnapshot = {
  uptimeMs: 60_000,
  device: "cpu (profile cpu)",
  cuda: "unusable: a CUDA test session failed: libcudnn.so.9: cannot open shared object file",
  budgetBytes: 8 * 2 ** 30,
  inUseBytes: 2 ** 30,
  peakBytes: 2 ** 30,
  models: [
    {
      id: "chat",
      state: "ready",
      device: "cpu",
      variant: "onnx-community/Qwen2.5-0.5B-Instruct q8 cpu",
      unavailable: [
        {
          variant: "onnx-community/Qwen2.5-1.5B-Instruct q8 cpu",
          reason: "model onnx-community/Qwen2.5-1.5B-Instruct is not in /data/models",
          retryInMs: 540_000,
        },
      ],
      footprintBytes: 2 ** 30,
      measured: true,
      queue: 0,
      running: 0,
      loads: 1,
      jobsOk: 0,
      jobsFailed: 0,
    },
  ],
  usage: [],
};

describe("/status: variants and CUDA", () => {
  const i18n = createI18n();
  for (const locale of ["en", "ru"]) {
    it(`shows the CUDA probe, the serving variant and why the others don't serve (${locale})`, () => {
      const text = formatStatus(snapshot, (key, vars) => i18n.t(locale, key, vars));
      assert.match(text, /\nCUDA: unusable: a CUDA test session failed: libcudnn\.so\.9/);
      assert.match(
        text,
        /<code>chat<\/code> — .*\(onnx-community\/Qwen2\.5-0\.5B-Instruct q8 cpu\)/,
      );
      const failed = text.split("\n").find((line) => line.includes("Qwen2.5-1.5B")) ?? "";
      assert.match(failed, /^↳ <code>onnx-community\/Qwen2\.5-1\.5B-Instruct q8 cpu<\/code> /);
      assert.match(failed, /is not in \/data\/models/);
      assert.match(failed, /9 min/);
    });
  }
});
