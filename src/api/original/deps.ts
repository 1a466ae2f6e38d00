/**
 * What the original routes need: the job layer for work, the status service for models'
 * state and reloads (never the model manager itself), the limits and the deadline.
 */
import type { JobLayer, ReadingMode } from "../../jobs/index.js";
import type { StatusService } from "../../services/status/index.js";
import type { Deadline } from "../deadline.js";

export interface OriginalRoutesDeps {
  jobs: Pick<JobLayer, "recognize" | "complete" | "table" | "askAbout">;
  status: Pick<StatusService, "snapshot" | "unloadModel">;
  deadline: Deadline;
  /** How OCR reads when the request names no mode (OCR_DEFAULT_MODE resolved). */
  readingMode: ReadingMode;
  settings: {
    /** MODEL_IDLE_UNLOAD; 0 keeps models loaded. */
    idleUnloadMs: number;
    /** PDF_MAX_PAGES: pages read per PDF; the rest are reported as skipped. */
    pdfMaxPages: number;
  };
}
