/**
 * Forum topics: in a supergroup with topics, everything the bot sends while handling an
 * update (status messages, answers, files, voices, chat actions) goes to the topic of the
 * message it answers. One API transformer per update does it, so no call site needs to
 * know about topics.
 */
import type { Context, MiddlewareFn, Transformer } from "grammy";

/** Methods that post into a chat, and so into a topic. */
function postsIntoChat(method: string): boolean {
  return method.startsWith("send") || method === "copyMessage" || method === "forwardMessage";
}

/** Adds `message_thread_id` to every post into `chatId` that names no thread itself. */
export function intoTopic(chatId: number, threadId: number): Transformer {
  return (prev, method, payload, signal) => {
    const target = payload as { chat_id?: unknown; message_thread_id?: unknown } | undefined;
    if (
      postsIntoChat(method) &&
      target?.chat_id === chatId &&
      target.message_thread_id === undefined
    ) {
      return prev(method, { ...payload, message_thread_id: threadId } as typeof payload, signal);
    }
    return prev(method, payload, signal);
  };
}

/** The topic of the message an update is about, when it is a forum topic message. */
export function topicOf(ctx: Context): number | undefined {
  const message = ctx.msg ?? ctx.callbackQuery?.message;
  if (!message || !("is_topic_message" in message) || !message.is_topic_message) return undefined;
  return message.message_thread_id;
}

/** Sends this update's replies into its topic (installed once, on the bot). */
export function replyInTopic<C extends Context>(): MiddlewareFn<C> {
  return (ctx, next) => {
    const thread = topicOf(ctx);
    if (thread !== undefined && ctx.chat) ctx.api.config.use(intoTopic(ctx.chat.id, thread));
    return next();
  };
}
