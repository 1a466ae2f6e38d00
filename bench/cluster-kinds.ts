import type { ModelKind } from "../src/cluster/index.js";
import type { TraceModel } from "./trace.js";

/** The trace's tasks as cluster kinds (one voice stands for TTS). */
export const KIND_OF: Record<TraceModel, ModelKind> = {
  ocr: "ocr",
  asr: "asr",
  chat: "chat",
  tts: "tts-en",
  vision: "vision",
};
