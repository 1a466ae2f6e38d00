/**
 * Bot API errors as Telegram reports them: `{ ok: false, error_code, description, parameters? }`.
 * Method handlers throw {@link ApiError}; the server turns it into the JSON answer and HTTP status.
 */
import type { ResponseParameters } from "@grammyjs/types";

/** The body of a failed Bot API answer (also what `failNext` injects). */
export interface ApiErrorSpec {
  error_code: number;
  description: string;
  parameters?: ResponseParameters;
}

/** A Bot API failure thrown by a method handler and answered to the bot as-is. */
export class ApiError extends Error {
  constructor(readonly spec: ApiErrorSpec) {
    super(spec.description);
    this.name = "ApiError";
  }
}

/** 400 "Bad Request: <detail>", the answer to most invalid calls. */
export function badRequest(detail: string): ApiError {
  return new ApiError({ error_code: 400, description: `Bad Request: ${detail}` });
}
