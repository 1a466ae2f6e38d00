/**
 * CPU priority of work that yields to the main thread: under load the main thread, where
 * every chat answer, Telegram update and HTTP request is served and someone is waiting,
 * wins the cores. OCR pages, the PDF reader's thread and background model threads all run
 * at {@link BACKGROUND_NICENESS}, so none of them wins over another.
 */
import { setPriority } from "node:os";

/** The nice value of background work (the main thread runs at the process's, usually 0). */
export const BACKGROUND_NICENESS = 10;

/**
 * Lowers the calling thread to {@link BACKGROUND_NICENESS}. On Linux a thread's nice value
 * is its own, so only this thread yields. Where it isn't permitted (some containers) the
 * thread keeps the process's priority.
 */
export function yieldToMainThread(): void {
  try {
    setPriority(BACKGROUND_NICENESS);
  } catch {
    // Not permitted here: see above.
  }
}
