import { isAppError } from "../shared/errors.js";
import type { Translate } from "./progress.js";

/** The locale key for an error's user-facing message: `error-<code>` with dots and underscores as dashes. */
export function errorMessageKey(code: string): string {
  return `error-${code.replace(/[._]/g, "-")}`;
}

/**
 * What to tell the user about a failure, in their language. Expected failures carry a
 * code and details; anything else is a bug and gets the generic apology (and is logged
 * with its stack by the caller).
 */
export function describeError(error: unknown, t: Translate): string {
  if (isAppError(error)) return t(errorMessageKey(error.code), error.details);
  return t("error-internal");
}
