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
    const keys = targets.map((t) => `${t.modelId}@${t.dtype}:${t.pipelineTask}`);
    assert.equal(new Set(keys).size, keys.length, "no target twice");
  });

  it("pulls the vision model's files beside the chat model's from the same repositories", () => {
    for (const name of ["gpu", "cpu"] as const) {
      const profile = resolveProfile(name, {}, { cudaAvailable: name === "gpu" });
      const targets = pullTargets(profile);
      assert.equal(profile.models.vision.pipelineTask, "image-text-to-text");
      // Every variant keeps its own target (task and device), also where chat and vision
      // share a repository and dtype (the cpu profile's 0.8B).
      for (const entry of Object.values(profile.models)) {
        for (const model of [entry, entry.fallback]) {
          if (!model) continue;
          assert.ok(
            targets.some(
              (t) =>
                t.modelId === model.modelId &&
                t.dtype === model.dtype &&
                t.device === model.device &&
                t.pipelineTask === model.pipelineTask,
            ),
            `${name}: ${model.modelId} ${model.dtype} ${model.pipelineTask}`,
          );
        }
      }
    }
  });

  it("pulls only the profile's own precisions on the CPU profile", () => {
    const profile = resolveProfile("cpu", {}, { cudaAvailable: false });
    for (const target of pullTargets(profile)) assert.equal(target.device, "cpu");
  });
});
