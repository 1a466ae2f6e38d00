import type { ComputeDevice } from "../models/contract.js";
import type { ReadingMode } from "./types.js";

/**
 * OCR_DEFAULT_MODE resolved: "auto" reads accurately (the vision model) only where that
 * model runs on CUDA; on a CPU it takes far longer than tesseract.
 */
export function defaultReadingMode(
  setting: "auto" | ReadingMode,
  visionDevice: ComputeDevice | undefined,
): ReadingMode {
  if (setting !== "auto") return setting;
  return visionDevice === "cuda" ? "accurate" : "fast";
}
