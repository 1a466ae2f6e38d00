/**
 * Conversation with the chat model: any text in a private chat; in groups /ask, a
 * mention of the bot, or a reply to one of its messages (privacy-mode friendly).
 */
import { Composer } from "grammy";
import type { BotContext } from "../context.js";
import type { Steps } from "../steps.js";
import { isAddressedToBot } from "../middleware.js";

/** The message text without a leading mention of the bot. */
function withoutMention(text: string, username: string): string {
  return text.replace(new RegExp(`@${username}\\b`, "gi"), "").trim();
}

export function chat(steps: Steps): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  const answerWithVoice = async (ctx: BotContext, text: string, replyTo?: number) => {
    const answer = await steps.answer(ctx, text, "text", replyTo);
    if (ctx.settings.voiceReplies === "always" && answer)
      await steps.speakOptional(ctx, answer, replyTo);
  };

  composer.command("ask", async (ctx) => {
    const question = ctx.match.trim();
    if (!question) {
      await ctx.reply(ctx.t("ask-usage"));
      return;
    }
    await answerWithVoice(ctx, question, ctx.msg.message_id);
  });

  composer.chatType("private").on("message:text", async (ctx) => {
    if (ctx.msg.text.startsWith("/")) return;
    await answerWithVoice(ctx, ctx.msg.text);
  });

  composer.chatType(["group", "supergroup"]).on("message:text", async (ctx, next) => {
    // Commands have their own handlers; this is for mentions and replies to the bot.
    if (ctx.msg.text.startsWith("/") || !isAddressedToBot(ctx)) return next();
    const question = withoutMention(ctx.msg.text, ctx.me.username);
    if (!question) {
      await ctx.reply(ctx.t("ask-usage"), { reply_parameters: { message_id: ctx.msg.message_id } });
      return;
    }
    await answerWithVoice(ctx, question, ctx.msg.message_id);
  });

  return composer;
}
