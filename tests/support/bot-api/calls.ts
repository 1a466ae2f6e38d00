/**
 * The record of every Bot API call the bot made (except getUpdates, which would drown the
 * rest), and `waitFor`, which lets a test await a call instead of sleeping.
 */
import type { UploadedFile } from "./body.js";
import type { ApiErrorSpec } from "./errors.js";

/** One finished Bot API call. */
export interface RecordedCall {
  /** Position in {@link CallLog.calls}, from 0. */
  seq: number;
  method: string;
  params: Record<string, unknown>;
  /** Files uploaded with the call, by parameter name. */
  files: ReadonlyMap<string, UploadedFile>;
  /** `params.chat_id` as a number when it is one (usernames stay strings). */
  chatId: number | string | undefined;
  /** The `result` of a successful call. */
  result?: unknown;
  /** The error answered instead (including injected failures). */
  error?: ApiErrorSpec;
}

/** Options of {@link CallLog.waitFor}. */
export interface WaitForOptions {
  /** Safety net only: fail after this long, listing the calls seen (default 5000). */
  timeoutMs?: number;
  /** Ignore calls with `seq` below this (e.g. `server.calls.length` taken earlier). */
  since?: number;
}

interface Waiter {
  predicate: (call: RecordedCall) => boolean;
  since: number;
  resolve: (call: RecordedCall) => void;
  reject: (error: Error) => void;
}

/**
 * Recorded calls and the waiters on them. Each call is handed to at most one `waitFor`, in
 * order, and calls made before `waitFor` count, so "do X; await waitFor(reply)" never misses a
 * reply that came quickly, and two waits for "a sendMessage" get two different messages.
 */
export class CallLog {
  private readonly log: RecordedCall[] = [];
  private readonly claimed = new Set<number>();
  private readonly waiters = new Set<Waiter>();

  get calls(): readonly RecordedCall[] {
    return this.log;
  }

  record(call: Omit<RecordedCall, "seq">): RecordedCall {
    const recorded = { seq: this.log.length, ...call };
    this.log.push(recorded);
    for (const waiter of this.waiters) {
      if (this.offer(waiter, recorded)) break;
    }
    return recorded;
  }

  waitFor(
    predicate: (call: RecordedCall) => boolean,
    options: WaitForOptions = {},
  ): Promise<RecordedCall> {
    const { timeoutMs = 5000, since = 0 } = options;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(
          new Error(
            `waitFor timed out after ${timeoutMs} ms waiting for ${describe(predicate)}\n${this.summary()}`,
          ),
        );
      }, timeoutMs);
      let settled = false;
      const waiter: Waiter = {
        predicate,
        since,
        resolve: (call) => {
          settled = true;
          clearTimeout(timer);
          resolve(call);
        },
        reject: (error) => {
          settled = true;
          clearTimeout(timer);
          reject(error);
        },
      };
      this.waiters.add(waiter);
      for (const call of this.log) {
        if (settled || this.offer(waiter, call)) break;
      }
    });
  }

  /** Fails every pending waitFor (the server is closing). */
  rejectAll(reason: string): void {
    for (const waiter of this.waiters) waiter.reject(new Error(`${reason}\n${this.summary()}`));
    this.waiters.clear();
  }

  /** One line per call, for failure messages. */
  summary(): string {
    if (this.log.length === 0) return "No Bot API calls were made.";
    return ["Calls seen so far:", ...this.log.map(formatCall)].join("\n");
  }

  /** Hands `call` to `waiter` if it wants it; a throwing predicate fails only its own wait. */
  private offer(waiter: Waiter, call: RecordedCall): boolean {
    if (call.seq < waiter.since || this.claimed.has(call.seq)) return false;
    let wanted: boolean;
    try {
      wanted = waiter.predicate(call);
    } catch (error) {
      this.waiters.delete(waiter);
      waiter.reject(error as Error);
      return false;
    }
    if (!wanted) return false;
    this.claimed.add(call.seq);
    this.waiters.delete(waiter);
    waiter.resolve(call);
    return true;
  }
}

function describe(predicate: (call: RecordedCall) => boolean): string {
  const source = predicate.toString().replace(/\s+/g, " ");
  return source.length > 200 ? `${source.slice(0, 200)}…` : source;
}

function formatCall(call: RecordedCall): string {
  const { text, caption } = call.params;
  const content =
    typeof text === "string" ? text : typeof caption === "string" ? caption : undefined;
  const outcome = call.error ? `-> ${call.error.error_code} ${call.error.description}` : "-> ok";
  const chat = call.chatId === undefined ? "" : ` chat=${call.chatId}`;
  const shown = content === undefined ? "" : ` ${JSON.stringify(content.slice(0, 80))}`;
  return `  #${call.seq} ${call.method}${chat}${shown} ${outcome}`;
}
