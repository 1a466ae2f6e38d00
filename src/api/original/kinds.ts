/**
 * The original service's model kinds and the models behind each: "tts" is both voices. A
 * model's id in a status snapshot is its kind's id, or `id@worker` in a cluster.
 */
import { z } from "@hono/zod-openapi";
import type { ModelSummary, StatusSnapshot } from "../../services/status/index.js";

export const MODEL_KINDS = {
  ocr: ["ocr"],
  asr: ["asr"],
  tts: ["tts-ru", "tts-en"],
  chat: ["chat"],
  vision: ["vision"],
} as const satisfies Record<string, readonly string[]>;

export type ModelKind = keyof typeof MODEL_KINDS;

/** The kinds with model-info and reload-model routes, as in the original service. */
export const RELOADABLE_KINDS = ["ocr", "asr", "tts", "chat"] as const;

/** The snapshot's models of one kind. */
export function modelsOf(snapshot: StatusSnapshot, kind: ModelKind): ModelSummary[] {
  const ids: readonly string[] = MODEL_KINDS[kind];
  return snapshot.models.filter((model) => ids.includes(model.id.split("@")[0]!));
}

export function isLoaded(model: ModelSummary): boolean {
  return model.state === "ready" || model.state === "running";
}

/** The snapshot's memory, in bytes. */
export const memorySchema = z
  .object({
    budget_bytes: z.number().int(),
    in_use_bytes: z.number().int(),
    peak_bytes: z.number().int(),
  })
  .openapi("Memory");

export function memoryOf(snapshot: StatusSnapshot): z.infer<typeof memorySchema> {
  return {
    budget_bytes: snapshot.budgetBytes,
    in_use_bytes: snapshot.inUseBytes,
    peak_bytes: snapshot.peakBytes,
  };
}

export const modelInfoSchema = z
  .object({
    id: z.string().openapi({ example: "chat" }),
    variant: z.string().openapi({ example: "onnx-community/Qwen2.5-1.5B-Instruct q4f16 cuda" }),
    state: z.enum(["unloaded", "loading", "ready", "running", "unloading"]).or(z.string()),
    loaded: z.boolean(),
    device: z.string(),
    /** Measured once loaded, the adapter's estimate before. */
    footprint_bytes: z.number().int(),
    footprint_measured: z.boolean(),
    idle_seconds: z.number().nullable(),
    queued: z.number().int(),
    running: z.number().int(),
  })
  .openapi("ModelInfo");

export function modelInfo(model: ModelSummary): z.infer<typeof modelInfoSchema> {
  return {
    id: model.id,
    variant: model.variantLabel ?? model.id,
    state: model.state,
    loaded: isLoaded(model),
    device: model.device,
    footprint_bytes: model.footprintBytes,
    footprint_measured: model.measured,
    idle_seconds: model.idleMs === undefined ? null : Math.round(model.idleMs / 1000),
    queued: model.queue,
    running: model.running,
  };
}
