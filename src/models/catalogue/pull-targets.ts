/**
 * What `models:pull` downloads for a profile: each task's model and its fallback and, for a
 * CUDA variant, also the CPU precision its retry on the CPU uses, so an offline GPU box whose
 * CUDA session can't start still has a model to fall back to.
 */
import type { PullTarget } from "../runtime/pull.js";
import { CATALOGUE_TASKS, type ResolvedProfile } from "./profiles.js";

export function pullTargets(profile: ResolvedProfile): PullTarget[] {
  const targets = new Map<string, PullTarget>();
  // Keyed by task too: chat and vision share Qwen3.5 repositories but not their files (vision
  // adds the vision encoder); files already pulled for one are skipped for the other.
  const add = (target: PullTarget) =>
    targets.set(`${target.modelId}@${target.dtype}:${target.pipelineTask}`, target);
  for (const task of CATALOGUE_TASKS) {
    const entry = profile.models[task];
    for (const model of [entry, entry.fallback]) {
      if (!model) continue;
      const { modelId, pipelineTask, dtype, device, cpuDtype } = model;
      add({ modelId, pipelineTask, dtype, device });
      if (device === "cuda" && cpuDtype && cpuDtype !== dtype)
        add({ modelId, pipelineTask, dtype: cpuDtype, device: "cpu" });
    }
  }
  return [...targets.values()];
}
