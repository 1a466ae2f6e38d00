/**
 * Server-sent events as OpenAI streams them: one JSON object per `data:` line. A failure
 * after the stream started can no longer change the status, so it goes out as a last
 * `data: {"error": ...}` event (which OpenAI's clients raise as an error); a client that
 * left gets nothing more, and its job was already stopped through the request's signal.
 */
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { ApiEnv } from "../env.js";
import { toHttpError } from "../errors.js";

export type SendEvent = (data: unknown) => Promise<void>;

/** Answers with an event stream that `produce` writes to. */
export function eventStream(
  c: Context<ApiEnv>,
  produce: (send: SendEvent) => Promise<void>,
): Response {
  return streamSSE(c, async (stream) => {
    const send: SendEvent = (data) =>
      stream.writeSSE({ data: typeof data === "string" ? data : JSON.stringify(data) });
    try {
      await produce(send);
    } catch (error) {
      if (c.req.raw.signal.aborted || stream.aborted) return;
      const http = toHttpError(error);
      await send({ error: { message: http.message, type: "server_error", code: http.code } });
    }
  });
}

/**
 * The first item of `items`, awaited before any byte is sent: a job refused at once (a full
 * line, bad input) still answers with its own status instead of a stream that fails.
 */
export async function firstOf<T>(
  items: AsyncIterable<T>,
): Promise<{ first: IteratorResult<T>; rest: AsyncIterator<T> }> {
  const rest = items[Symbol.asyncIterator]();
  return { first: await rest.next(), rest };
}
