/**
 * The one rule for "this model can't serve at all", after which a service turns to the kind's
 * fallback (espeak-ng for a voice, tesseract for the vision reader; see the table's
 * `fallback`): no variant is installed, none loads, none fits the memory budget, or in a
 * cluster no live worker runs the kind. A cancel, a full line (model.busy, owner.busy), a
 * failure on this input or a lost job is the user's answer, not a reason to switch engines.
 *
 * By code, not by class: an error a worker reports arrives on the bot as a plain AppError
 * with the worker's code (see cluster/codec.ts).
 */
import { isAppError, type ErrorCode } from "../../shared/errors.js";

const CANNOT_SERVE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "model.missing",
  "model.load_failed",
  "model.budget_exceeded",
  "cluster.no_worker",
]);

export function cannotServe(error: unknown): boolean {
  return isAppError(error) && CANNOT_SERVE.has(error.code);
}
