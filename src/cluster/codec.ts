/**
 * What travels through Redis: job inputs, results and errors as JSON strings. Typed arrays
 * (PCM samples, image and audio bytes) become base64 so media crosses in one string; the
 * size limit applies to that string. Functions never travel: callers strip them first.
 */
import {
  fromErrorRecord,
  InputError,
  isAppError,
  toErrorRecord,
  type ErrorRecord,
} from "../shared/errors.js";

const F32 = "$f32";
const U8 = "$u8";

function replacer(this: unknown, key: string, converted: unknown): unknown {
  // A Buffer has a toJSON() that ran before the replacer: look at the original value.
  const value = (this as Record<string, unknown>)[key];
  if (value instanceof Float32Array)
    return {
      [F32]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64"),
    };
  if (value instanceof Uint8Array) return { [U8]: Buffer.from(value).toString("base64") };
  if (typeof value === "function") return undefined;
  return converted;
}

function reviver(_key: string, value: unknown): unknown {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    if (typeof record[F32] === "string") {
      const bytes = Buffer.from(record[F32], "base64");
      // Copy into an aligned buffer: a Buffer's offset in its pool need not be a multiple of 4.
      const samples = new Float32Array(bytes.byteLength / 4);
      new Uint8Array(samples.buffer).set(bytes);
      return samples;
    }
    if (typeof record[U8] === "string") return new Uint8Array(Buffer.from(record[U8], "base64"));
  }
  return value;
}

/** `value` as one JSON string; refuses (input.too_large) one longer than `limitBytes`. */
export function encode(value: unknown, limitBytes: number): string {
  const text = JSON.stringify(value, replacer) ?? "null";
  if (Buffer.byteLength(text) > limitBytes) {
    throw new InputError(
      "input.too_large",
      `${Buffer.byteLength(text)} bytes exceed the cluster's payload limit of ${limitBytes}`,
      { limitMb: Math.floor(limitBytes / 2 ** 20) },
    );
  }
  return text;
}

export function decode<T>(text: string): T {
  return JSON.parse(text, reviver) as T;
}

/** Marks a failure reason that carries an {@link AppError}. */
const APP_ERROR = "app-error:";

/** A worker-side error as the failure reason BullMQ stores (a string). */
export function encodeError(error: unknown): string {
  if (!isAppError(error)) return error instanceof Error ? error.message : String(error);
  const { stack: _stack, ...record } = toErrorRecord(error);
  return APP_ERROR + JSON.stringify(record);
}

/** The error a failure reason stands for: the worker's AppError, or `fallback` for anything else. */
export function decodeError(reason: string, fallback: (reason: string) => Error): Error {
  if (!reason.startsWith(APP_ERROR)) return fallback(reason);
  try {
    const error = fromErrorRecord(JSON.parse(reason.slice(APP_ERROR.length)) as ErrorRecord);
    if (isAppError(error)) return error;
  } catch {
    // A malformed reason is reported as it is.
  }
  return fallback(reason);
}
