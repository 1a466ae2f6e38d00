/**
 * Questions about a recognized text or a transcript the bot posted: `/ask question` as a
 * reply to it, or (where the bot sees it: any reply in a private chat, a reply to the bot in
 * a group) a plain reply with the question. The result is read from the message's buttons;
 * any member of the chat may ask, in their own thread. Follow-ups need no reply: the job
 * layer keeps the document until /reset (see JobLayer.plan). 💬 Ask is in actions.ts;
 * replies to the file itself are in media.ts.
 */
import { Composer } from "grammy";
import type { Message } from "grammy/types";
import type { BotContext } from "../context.js";
import { isAddressedToBot } from "../middleware.js";
import { resultIdOfMessage } from "../result-buttons.js";
import type { Steps } from "../steps.js";

export function documents(steps: Steps): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  /** Asks about the result `replied` shows; false when it shows none. */
  const ask = async (ctx: BotContext, replied: Message | undefined, question: string) => {
    const resultId = replied && resultIdOfMessage(replied);
    if (resultId === undefined) return false;
    const replyTo = ctx.msg?.message_id;
    if (question) await steps.askDocument(ctx, question, resultId, replyTo);
    else await steps.chooseDocument(ctx, resultId, replyTo);
    return true;
  };

  composer.command("ask", async (ctx, next) => {
    if (!(await ask(ctx, ctx.msg.reply_to_message, ctx.match.trim()))) return next();
  });

  composer.on("message:text", async (ctx, next) => {
    const replied = ctx.msg.reply_to_message;
    if (!replied || ctx.msg.text.startsWith("/")) return next();
    if (ctx.chat.type !== "private" && !isAddressedToBot(ctx)) return next();
    if (!(await ask(ctx, replied, ctx.msg.text.trim()))) return next();
  });

  return composer;
}
