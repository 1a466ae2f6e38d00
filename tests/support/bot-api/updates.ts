/**
 * The bot's pending updates and Telegram's long polling over them. `getUpdates` confirms
 * updates below `offset`, answers at once when something matches (or `timeout` is 0), and
 * otherwise holds the request until an update arrives or `timeout` seconds pass. As in
 * Telegram, a newer getUpdates terminates a held older one with 409 Conflict, and
 * `allowed_updates` persists until changed.
 */
import type { Update } from "@grammyjs/types";
import type { Clock, TimerHandle } from "../../../src/shared/clock.js";
import { ApiError } from "./errors.js";

/** An update before it gets its `update_id`. */
export type UpdateBody = Omit<Update, "update_id">;

/** Parameters of getUpdates, already decoded. */
export interface PollRequest {
  offset?: number;
  limit: number;
  timeoutSeconds: number;
  allowedUpdates?: readonly string[];
}

interface HeldPoll {
  limit: number;
  timer: TimerHandle;
  settle: (result: Update[] | ApiError) => void;
}

/** Telegram leaves these out unless `allowed_updates` names them. */
const OPT_IN_TYPES = new Set(["chat_member", "message_reaction", "message_reaction_count"]);

const terminatedByOther = () =>
  new ApiError({
    error_code: 409,
    description:
      "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
  });

/** Pending updates, delivery filter and the (at most one) held long poll. */
export class UpdateQueue {
  private queue: Update[] = [];
  private nextUpdateId = 1;
  private allowed: ReadonlySet<string> | null = null;
  private held: HeldPoll | null = null;
  private pollWaiters: (() => void)[] = [];

  /** `onUpdate` runs after each push, e.g. to start webhook delivery. */
  constructor(
    private readonly clock: Clock,
    private readonly onUpdate: () => void = () => {},
  ) {}

  /** Updates not yet confirmed by the bot. */
  get pending(): readonly Update[] {
    return this.queue;
  }

  /** Appends an update with the next `update_id` and wakes a held poll. */
  push(body: UpdateBody): Update {
    const update = { update_id: this.nextUpdateId++, ...body } as Update;
    this.queue.push(update);
    const held = this.held;
    if (held) {
      const ready = this.take(held.limit);
      if (ready.length > 0) this.release(held, ready);
    }
    this.onUpdate();
    return update;
  }

  /** Telegram's `allowed_updates`: an empty list means the default set. */
  setAllowedUpdates(types: readonly string[] | undefined): void {
    if (types !== undefined) this.allowed = types.length > 0 ? new Set(types) : null;
  }

  get allowedUpdates(): readonly string[] | undefined {
    return this.allowed ? [...this.allowed] : undefined;
  }

  /** Forgets updates with `update_id < offset`; a negative offset keeps only the last -offset. */
  confirm(offset: number): void {
    if (offset < 0) this.queue = this.queue.slice(offset);
    else this.queue = this.queue.filter((u) => u.update_id >= offset);
  }

  /** Drops every pending update (`drop_pending_updates`). */
  clear(): void {
    this.queue = [];
  }

  /** The first `limit` deliverable updates; ones the filter excludes are dropped on the way. */
  take(limit: number): Update[] {
    this.queue = this.queue.filter((u) => this.isAllowed(u));
    return this.queue.slice(0, limit);
  }

  /** getUpdates: answers now, or holds until an update comes, the timeout, or a newer poll. */
  poll(request: PollRequest, signal?: AbortSignal): Promise<Update[]> {
    if (this.held) this.release(this.held, terminatedByOther());
    if (request.offset !== undefined) this.confirm(request.offset);
    this.setAllowedUpdates(request.allowedUpdates);
    const ready = this.take(request.limit);
    if (ready.length > 0 || request.timeoutSeconds <= 0) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const held: HeldPoll = {
        limit: request.limit,
        timer: this.clock.setTimeout(() => this.release(held, []), request.timeoutSeconds * 1000),
        settle: (result) => (result instanceof ApiError ? reject(result) : resolve(result)),
      };
      this.held = held;
      for (const wake of this.pollWaiters.splice(0)) wake();
      // The bot hung up (grammY aborts its poll on stop): free the slot without a 409.
      signal?.addEventListener("abort", () => this.held === held && this.release(held, []), {
        once: true,
      });
    });
  }

  /** Resolves once a getUpdates is being held (at once if one is). */
  whenPolling(): Promise<void> {
    if (this.held) return Promise.resolve();
    return new Promise((resolve) => this.pollWaiters.push(resolve));
  }

  /** Ends a held poll now, with `result` (e.g. `[]` on shutdown, 409 when a webhook is set). */
  releaseHeld(result: Update[] | ApiError): void {
    if (this.held) this.release(this.held, result);
  }

  private release(held: HeldPoll, result: Update[] | ApiError): void {
    this.clock.clearTimeout(held.timer);
    if (this.held === held) this.held = null;
    held.settle(result);
  }

  private isAllowed(update: Update): boolean {
    const type = Object.keys(update).find((key) => key !== "update_id") ?? "";
    return this.allowed ? this.allowed.has(type) : !OPT_IN_TYPES.has(type);
  }
}
