/**
 * Pictures with the vision model: a question in a photo's caption (private chats), `/ask` as
 * a reply to a picture or as its caption (any chat), and `/table` as a reply to a picture or
 * as its caption. Follow-up questions about the picture are ordinary messages: the job
 * layer sees that the conversation holds a picture (see JobLayer.plan).
 */
import { Composer } from "grammy";
import type { Message } from "grammy/types";
import type { BotContext } from "../context.js";
import type { BotDeps } from "../deps.js";
import { findMedia, type MediaRef } from "../files.js";
import { replyParams } from "../format/send.js";
import type { Steps } from "../steps.js";
import { captionCommand } from "./media.js";
import { sendTable } from "./table.js";

/** The picture (photo or image document) in a message, if any. */
function pictureIn(message: Message | undefined): MediaRef | undefined {
  const ref = findMedia(message);
  return ref && !("unsupported" in ref) && ref.kind === "image" ? ref : undefined;
}

export function vision(deps: BotDeps, steps: Steps): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  const table = async (ctx: BotContext) => {
    const ref = pictureIn(ctx.msg) ?? pictureIn(ctx.msg?.reply_to_message);
    const replyTo = ctx.msg?.message_id;
    if (!ref) {
      await ctx.reply(ctx.t("table-usage"), replyParams(replyTo));
      return;
    }
    await sendTable(ctx, deps, steps, ref, ctx.msg?.reply_to_message?.message_id ?? replyTo);
  };

  const ask = async (ctx: BotContext, question: string, picture: MediaRef) => {
    const replyTo = ctx.msg?.message_id;
    if (!question) {
      await ctx.reply(ctx.t("ask-picture-usage"), replyParams(replyTo));
      return;
    }
    await steps.answer(ctx, question, "text", replyTo, picture);
  };

  composer.command("table", table);
  composer.command("ask", async (ctx, next) => {
    const picture = pictureIn(ctx.msg.reply_to_message);
    if (!picture) return next();
    await ask(ctx, ctx.match.trim(), picture);
  });

  composer.on(["message:photo", "message:document"], async (ctx, next) => {
    const picture = pictureIn(ctx.msg);
    if (!picture) return next();
    const caption = ctx.msg.caption?.trim() ?? "";
    const command = captionCommand(ctx.msg, ctx.me.username);
    if (command === "table") return table(ctx);
    if (command === "ask") return ask(ctx, caption.replace(/^\/\S+\s*/, ""), picture);
    // In a private chat any other caption is a question about the picture.
    if (command === undefined && caption && ctx.chat.type === "private")
      return ask(ctx, caption, picture);
    return next();
  });

  return composer;
}
