import { cancelledError } from "../../shared/errors.js";

/**
 * A callback-to-async-iterator bridge for streamed text: the producer pushes pieces as the
 * model decodes them, one consumer pulls them with `for await`. Pieces are buffered while the
 * consumer is busy (a reply is at most a few thousand pieces). A consumer that stops early
 * (`break`) calls `onReturn`, which the chat service uses to stop the generation.
 */
export class PieceStream implements AsyncIterable<string> {
  private readonly buffer: string[] = [];
  private state: "open" | "ended" | "failed" = "open";
  private failure: unknown;
  private waiting:
    { resolve(result: IteratorResult<string>): void; reject(error: unknown): void } | undefined;
  private claimed = false;

  constructor(private readonly onReturn?: () => void) {}

  /** Adds a piece; ignored once the stream has ended or failed. */
  push(piece: string): void {
    if (this.state !== "open") return;
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) waiting.resolve({ value: piece, done: false });
    else this.buffer.push(piece);
  }

  /** No more pieces: the consumer finishes after the buffered ones. */
  end(): void {
    if (this.state !== "open") return;
    this.state = "ended";
    this.wake();
  }

  /** The producer failed: the consumer gets `error` after the buffered pieces. */
  fail(error: unknown): void {
    if (this.state !== "open") return;
    this.state = "failed";
    this.failure = error;
    this.wake();
  }

  [Symbol.asyncIterator](): AsyncIterator<string> {
    if (this.claimed) throw new Error("a piece stream has a single consumer");
    this.claimed = true;
    return {
      next: () => this.next(),
      return: async () => {
        const wasOpen = this.state === "open";
        this.buffer.length = 0;
        this.end();
        if (wasOpen) this.onReturn?.();
        return { value: undefined, done: true };
      },
    };
  }

  private next(): Promise<IteratorResult<string>> {
    const piece = this.buffer.shift();
    if (piece !== undefined) return Promise.resolve({ value: piece, done: false });
    if (this.state === "ended") return Promise.resolve({ value: undefined, done: true });
    if (this.state === "failed") return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    if (!waiting) return;
    if (this.state === "failed") waiting.reject(this.failure);
    else waiting.resolve({ value: undefined, done: true });
  }
}

/**
 * Starts `produce` as a streamed reply: its pieces go into a {@link PieceStream}, and a reader
 * that leaves the stream early aborts the signal `produce` gets (as does `outer`). `done`
 * carries a rejection handler, since a caller may read only `pieces`, where a failure also
 * arrives.
 */
export function streamReply<T>(
  outer: AbortSignal | undefined,
  produce: (signal: AbortSignal, pieces: PieceStream) => Promise<T>,
): { pieces: PieceStream; done: Promise<T> } {
  const stopped = new AbortController();
  const signal = outer ? AbortSignal.any([outer, stopped.signal]) : stopped.signal;
  const pieces = new PieceStream(() =>
    stopped.abort(cancelledError("the reader stopped reading the reply")),
  );
  const done = produce(signal, pieces);
  done.catch(() => undefined);
  return { pieces, done };
}
