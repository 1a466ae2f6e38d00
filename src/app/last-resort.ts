/**
 * The process-level safety net. Every job's errors are meant to reach the bot's error
 * boundary, which answers the user; a rejection or exception that gets here is a bug. It
 * is logged with its stack and where it came from (the e2e tests assert this line never
 * appears). A stray rejection does not take the bot down for everyone; an uncaught
 * exception leaves the process in an unknown state, so it exits after logging.
 */
import type { Logger } from "pino";

/** The message of the log line written here; tests look for it. */
export const LAST_RESORT_MESSAGE = "last-resort handler reached: a promise or callback escaped";

export function installLastResortHandlers(logger: Logger): void {
  process.on("unhandledRejection", (reason, promise) => {
    logger.error(
      { err: reason, origin: "unhandledRejection", promise: String(promise) },
      LAST_RESORT_MESSAGE,
    );
  });
  process.on("uncaughtException", (error, origin) => {
    logger.fatal({ err: error, origin }, LAST_RESORT_MESSAGE);
    process.exitCode = 1;
    // Let the log line reach stdout before the process ends.
    logger.flush(() => process.exit(1));
  });
}
