/**
 * The few error types the app throws on purpose. Each carries a stable `code` that the
 * bot maps to a message in the user's language; `details` fill that message's
 * placeables. Everything else is a bug and is reported as "internal".
 */
export const ERROR_CODES = [
  // input the user sent
  "input.unsupported",
  "input.too_large",
  "input.too_long",
  "input.empty",
  "input.corrupt",
  "audio.corrupt",
  "audio.empty",
  "audio.too_long",
  "audio.no_speech",
  "image.corrupt",
  "image.too_large",
  "pdf.corrupt",
  "pdf.encrypted",
  "pdf.too_large",
  "tts.too_long",
  // models and capacity
  "model.missing",
  "model.load_failed",
  "model.failed",
  "model.budget_exceeded",
  "model.busy",
  // one owner (a person, an API key) has too much waiting on one model
  "owner.busy",
  "model.shutting_down",
  "job.cancelled",
  // the vision model: no answer in time, or a table was asked for and none came back
  "vision.timeout",
  "vision.no_table",
  // a question about a document: none chosen, or the result was pruned or forgotten
  "document.none",
  "document.gone",
  // a cluster (ROLE=bot): no worker serves the model, Redis is down, a job was lost
  "cluster.no_worker",
  "cluster.unavailable",
  "cluster.lost",
  // the environment
  "tool.missing",
  "tool.failed",
  "tool.timeout",
  "telegram.timeout",
  "download.timeout",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class AppError extends Error {
  override readonly name: string = "AppError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, string | number> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The user's input can't be processed as sent (corrupt, empty, too big, wrong type). */
export class InputError extends AppError {
  override readonly name = "InputError";
}

/** A model could not be loaded or is unavailable. */
export class ModelError extends AppError {
  override readonly name = "ModelError";
}

/** The system is at capacity (queue full, budget exhausted) or shutting down. */
export class CapacityError extends AppError {
  override readonly name = "CapacityError";
}

/** An external tool (ffmpeg, espeak-ng, tesseract) is missing or failed. */
export class ToolError extends AppError {
  override readonly name = "ToolError";
}

/** Telegram did not answer in time (a Bot API call or a file download). */
export class NetworkError extends AppError {
  override readonly name = "NetworkError";
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** Work stopped on purpose (cancelled, or the process shutting down), not a failure. */
export function isCancellation(error: unknown): boolean {
  if (isAppError(error))
    return error.code === "job.cancelled" || error.code === "model.shutting_down";
  return error instanceof Error && error.name === "AbortError";
}

/** The standard error for work stopped by an AbortSignal. */
export function cancelledError(reason?: unknown): AppError {
  return new CapacityError("job.cancelled", "the job was cancelled", {}, { cause: reason });
}

/** An error as plain data, for crossing to another thread or process and back. */
export interface ErrorRecord {
  name: string;
  message: string;
  stack?: string;
  /** Set for an {@link AppError}: its code and details. */
  code?: ErrorCode;
  details?: Record<string, string | number>;
}

const APP_ERROR_CLASSES: Record<string, typeof AppError> = {
  AppError,
  InputError,
  ModelError,
  CapacityError,
  ToolError,
  NetworkError,
};

/** `error` as plain data: an AppError keeps its class, code and details. */
export function toErrorRecord(error: unknown): ErrorRecord {
  if (isAppError(error))
    return {
      name: error.name,
      message: error.message,
      code: error.code,
      details: error.details,
      ...(error.stack ? { stack: error.stack } : {}),
    };
  if (error instanceof Error)
    return {
      name: error.name,
      message: error.message,
      ...(error.stack ? { stack: error.stack } : {}),
    };
  return { name: "Error", message: String(error) };
}

/** The error a record stands for: an AppError of its class again, else a plain Error. */
export function fromErrorRecord(record: ErrorRecord): Error {
  const known = record.code && (ERROR_CODES as readonly string[]).includes(record.code);
  const error = known
    ? new (APP_ERROR_CLASSES[record.name] ?? AppError)(record.code!, record.message, record.details)
    : Object.assign(new Error(record.message), { name: record.name });
  if (record.stack) error.stack = record.stack;
  return error;
}
