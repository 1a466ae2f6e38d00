/**
 * bench:qa's embedder: the profile's embedding model through its adapter and a model manager,
 * as the app runs it, when its files are on disk (the fixture's always are).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import { createE5Embedder } from "../src/models/adapters/embed-e5.js";
import {
  parseProfileChoice,
  resolveProfile,
  type ProfileChoice,
} from "../src/models/catalogue/index.js";
import { ModelManager } from "../src/models/manager/index.js";
import { configureRuntime, detectCuda } from "../src/models/runtime/index.js";
import { systemClock } from "../src/shared/clock.js";
import { ModelEmbedder, type PassageEmbedder } from "../src/services/qa/index.js";

export interface BenchEmbedder {
  embedder: PassageEmbedder;
  /** What runs it, for the printout. */
  note: string;
  close(): Promise<void>;
}

/** The profile's embedding model, or undefined when its files are not on disk. */
export function benchEmbedder(profileName: string): BenchEmbedder | undefined {
  const choice: ProfileChoice = parseProfileChoice(profileName);
  const cudaAvailable = choice === "auto" ? detectCuda().available : false;
  const profile = resolveProfile(choice, {}, { cudaAvailable });
  const logger = pino({ level: "silent" });
  const modelsDir = profile.modelsDir ?? process.env.MODELS_DIR ?? "data/models";
  const spec = profile.models.embed;
  if (!existsSync(join(modelsDir, spec.modelId, "config.json"))) return undefined;
  const runtime = configureRuntime({ modelsDir, allowRemoteModels: false, logger });
  const manager = new ModelManager({ budgetBytes: 8 * 1024 ** 3, clock: systemClock, logger });
  const handle = manager.register(createE5Embedder({ spec, runtime, logger }), {
    idleUnloadMs: 0,
  });
  return {
    embedder: new ModelEmbedder(handle, spec.modelId, systemClock),
    note: `${spec.dtype} ${spec.device}, through the model manager`,
    close: () => manager.shutdown(1_000),
  };
}
