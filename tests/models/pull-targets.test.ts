import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pullTargets, resolveProfile } from "../../src/models/catalogue/index.js";

describe("models:pull targets", () => {
  it("adds each CUDA variant's CPU precision, so its retry on the CPU works offline", () => {
    const profile = resolveProfile("gpu", {}, { cudaAvailable: true });
    const targets = pullTargets(profile);
    const cudaVariants = Object.values(profile.models)
      .flatMap((entry) => [entry, entry.fallback])
      .filter((model) => model?.device === "cuda" && model.cpuDtype !== model.dtype);
    assert.ok(cudaVariants.length > 0, "the gpu profile has CUDA variants with a CPU dtype");
    for (const model of cudaVariants) {
      assert.ok(
        targets.some(
          (t) => t.modelId === model!.modelId && t.dtype === model!.cpuDtype && t.device === "cpu",
        ),
        `${model!.modelId}'s ${model!.cpuDtype} files are pulled`,
      );
    }
    const keys = targets.map((t) => `${t.modelId}@${t.dtype}`);
    assert.equal(new Set(keys).size, keys.length, "no target twice");
  });

  it("pulls only the profile's own precisions on the CPU profile", () => {
    const profile = resolveProfile("cpu", {}, { cudaAvailable: false });
    for (const target of pullTargets(profile)) assert.equal(target.device, "cpu");
  });
});
