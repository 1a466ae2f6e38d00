/**
 * CPU priority of work that yields to the main thread: under load the main thread, where
 * every chat answer, Telegram update and HTTP request is served and someone is waiting,
 * wins the cores. OCR pages, ffmpeg decoding a recording, the PDF reader's thread and
 * background model threads all run at {@link BACKGROUND_NICENESS}, so none of them wins over
 * another: tools through their request's `niceness`, threads through `startModuleWorker`'s
 * `background` option.
 */

/** The nice value of background work (the main thread runs at the process's, usually 0). */
export const BACKGROUND_NICENESS = 10;
