/**
 * Whose request it is. The model lines take turns between owners, so the owner is the
 * person (or the API key), never the chat: two members of a group are two owners.
 */
import type { DialogKey } from "../memory/index.js";

export interface Owner {
  /** "tg:<user id>" for a Telegram person, "key:<name>" for an API key. */
  id: string;
  /** The conversation the request belongs to (history, stored results); a key may have none. */
  dialog?: DialogKey;
  /** A one-to-one conversation: text read from a file joins it, so "summarize it" works. */
  private?: boolean;
}

/** An owner with a conversation: what answers and stored results need. */
export type ConversationOwner = Owner & { dialog: DialogKey };

/** A Telegram person in a chat (a private chat's id is the person's own). */
export function telegramOwner(
  chat: { id: number; type: string },
  userId: number,
): ConversationOwner {
  return {
    id: `tg:${userId}`,
    dialog: { chatId: chat.id, userId },
    private: chat.type === "private",
  };
}

/** A caller of the HTTP API, known by its key's name; it has no chat. */
export function apiKeyOwner(name: string): Owner {
  return { id: `key:${name}` };
}
