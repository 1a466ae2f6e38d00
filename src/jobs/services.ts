/**
 * What the job layer needs from the services, and nothing more: the composition root passes
 * the real ones, tests may pass fakes of the same shapes.
 */
import type { Store } from "../memory/index.js";
import type { ChatService, TextTasks } from "../services/chat/index.js";
import type { DocumentService } from "../services/documents/index.js";
import type { DocumentIndex } from "../services/qa/index.js";
import type { SpeechService } from "../services/speech/index.js";
import type { VisionService } from "../services/vision/index.js";

export interface JobServices {
  chat: Pick<ChatService, "reply" | "complete" | "reset">;
  tasks: Pick<TextTasks, "summarize" | "translate">;
  speech: Pick<SpeechService, "transcribe" | "synthesize">;
  documents: Pick<DocumentService, "recognizeImage" | "recognizePdf">;
  vision: Pick<VisionService, "table" | "ask" | "complete" | "conversationImages">;
  /** Passages of stored results for questions about them (absent: no questions asked). */
  index?: DocumentIndex;
}

/** The stores the job layer writes: results for the buttons, history, the usage log. */
export type JobStores = {
  results: Pick<Store["results"], "save" | "get">;
  history: Pick<Store["history"], "append">;
  usage: Pick<Store["usage"], "record">;
};
