/**
 * Each person's line of updates: in a chat, one person's updates run in order (an answer
 * can't overtake its own question) and never wait for another member's job. A person with
 * too many requests already waiting is told so at once instead of joining the line.
 */
import type { Context, MiddlewareFn } from "grammy";
import type { BotContext } from "./context.js";
import { isAddressedToBot } from "./middleware.js";

/**
 * The line an update waits in: its sender's in its chat, the chat's when it has no sender
 * (a channel post), and none for a ✖ Cancel press, which can't wait for the job it cancels.
 */
export function lineOf(ctx: Context): string | undefined {
  if (ctx.callbackQuery?.data?.startsWith("cancel:")) return undefined;
  if (!ctx.chat) return undefined;
  return ctx.from ? `${ctx.chat.id}:${ctx.from.id}` : ctx.chat.id.toString();
}

/** A message asking the bot for something: what the per-person cap counts. */
function isRequest(ctx: BotContext): boolean {
  return ctx.message !== undefined && ctx.from !== undefined && isAddressedToBot(ctx);
}

export class PersonLines {
  /** Requests per line: the one being answered and those waiting behind it. */
  private readonly held = new Map<string, number>();

  /**
   * `maxWaiting`: requests a person may have waiting behind the one being answered; `refuse`
   * tells them about one more, at once. Install it before the line itself (sequentialize).
   */
  constructor(
    private readonly maxWaiting: number,
    private readonly refuse: (ctx: BotContext) => Promise<void>,
  ) {}

  readonly middleware: MiddlewareFn<BotContext> = async (ctx, next) => {
    const line = lineOf(ctx);
    if (line === undefined || !isRequest(ctx)) return next();
    const held = this.held.get(line) ?? 0;
    if (held - 1 >= this.maxWaiting) return this.refuse(ctx);
    this.held.set(line, held + 1);
    try {
      await next();
    } finally {
      const left = (this.held.get(line) ?? 1) - 1;
      if (left === 0) this.held.delete(line);
      else this.held.set(line, left);
    }
  };
}
