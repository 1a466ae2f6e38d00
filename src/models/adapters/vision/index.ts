export { createVisionModel, generateVision, type VisionModelOptions } from "./qwen-vl.js";
export type { VisionRequest, VisionResult, VisionTurn } from "./types.js";
