/**
 * The Telegram side of the emulator: the bot's own user, the simulated users, chats and
 * memberships, every message in every chat (with its current, edited content), drafts and
 * command lists. Method handlers and the user simulator both read and write it.
 */
import type {
  BotCommand,
  Chat,
  ChatMember,
  Message,
  MessageEntity,
  User,
  UserFromGetMe,
} from "@grammyjs/types";
import { badRequest } from "./errors.js";

/** A `sendMessageDraft` the bot streamed, in the order received. */
export interface Draft {
  draft_id: number;
  text: string;
  entities: MessageEntity[];
}

/** A member's status as getChatMember reports it. */
export type MemberStatus = ChatMember["status"];

interface StoredMessage {
  message: Message;
  deleted: boolean;
}

/** Users, chats, messages, drafts and commands; all in memory. */
export class World {
  private readonly users = new Map<number, User>();
  private readonly chats = new Map<number, Chat>();
  private readonly statuses = new Map<number, Map<number, MemberStatus>>();
  private readonly messages = new Map<number, Map<number, StoredMessage>>();
  private readonly draftsByChat = new Map<number, Draft[]>();
  private readonly commandLists = new Map<string, BotCommand[]>();
  /** Users who blocked the bot: sending to their private chat is a 403. */
  readonly blocked = new Set<number>();
  /** Callback query ids handed to the bot, and whether it answered each. */
  readonly callbackQueries = new Map<string, { answered: boolean }>();
  private nextUserId = 1001;
  private nextGroupId = 1;

  /** The bot as it appears in `from` of its messages. */
  readonly botUser: User;

  constructor(readonly bot: UserFromGetMe) {
    const { id, is_bot, first_name, username } = bot;
    this.botUser = { id, is_bot, first_name, username };
    this.users.set(id, this.botUser);
  }

  createUser(fields: Partial<Omit<User, "id" | "is_bot">> = {}): User {
    const id = this.nextUserId++;
    const user: User = {
      id,
      is_bot: false,
      first_name: `User${id}`,
      language_code: "en",
      ...fields,
    };
    this.users.set(id, user);
    return user;
  }

  user(id: number): User | undefined {
    return this.users.get(id);
  }

  privateChat(user: User): Chat.PrivateChat {
    const chat: Chat.PrivateChat = { id: user.id, type: "private", first_name: user.first_name };
    if (user.last_name) chat.last_name = user.last_name;
    if (user.username) chat.username = user.username;
    this.addChat(chat);
    this.setStatus(chat.id, user.id, "member");
    this.setStatus(chat.id, this.bot.id, "member");
    return chat;
  }

  group(title: string, type: "group" | "supergroup"): Chat.GroupChat | Chat.SupergroupChat {
    const n = this.nextGroupId++;
    const chat =
      type === "group" ? { id: -n, type, title } : { id: -(1_000_000_000_000 + n), type, title };
    this.addChat(chat);
    this.setStatus(chat.id, this.bot.id, "member");
    return chat;
  }

  chat(id: number): Chat | undefined {
    return this.chats.get(id);
  }

  /** The chat a `chat_id` parameter names (an id or "@username"), or 400 "chat not found". */
  resolveChat(chatId: unknown): Chat {
    const chat =
      typeof chatId === "string" && chatId.startsWith("@")
        ? [...this.chats.values()].find((c) => "username" in c && c.username === chatId.slice(1))
        : this.chats.get(Number(chatId));
    if (!chat) throw badRequest("chat not found");
    return chat;
  }

  setStatus(chatId: number, userId: number, status: MemberStatus): void {
    this.statuses.get(chatId)?.set(userId, status);
  }

  /** A user's status; users never seen in the chat have "left". */
  status(chatId: number, userId: number): MemberStatus {
    return this.statuses.get(chatId)?.get(userId) ?? "left";
  }

  members(chatId: number): [userId: number, status: MemberStatus][] {
    return [...(this.statuses.get(chatId) ?? [])];
  }

  /** Stores a new message with the chat's next `message_id`; `fields` is everything else. */
  /** Stores a new message; `from` undefined is a message without a sender (a channel post). */
  addMessage(
    chat: Chat,
    from: User | undefined,
    date: number,
    fields: Record<string, unknown>,
  ): Message {
    const inChat = this.messages.get(chat.id)!;
    const sender = from ? { from } : {};
    const message = { message_id: inChat.size + 1, date, chat, ...sender, ...fields } as Message;
    inChat.set(message.message_id, { message, deleted: false });
    return message;
  }

  /** A message's current version, unless deleted. */
  message(chatId: number, messageId: number): Message | undefined {
    const stored = this.messages.get(chatId)?.get(messageId);
    return stored && !stored.deleted ? stored.message : undefined;
  }

  replaceMessage(message: Message): void {
    const stored = this.messages.get(message.chat.id)?.get(message.message_id);
    if (stored) stored.message = message;
  }

  deleteMessage(chatId: number, messageId: number): boolean {
    const stored = this.messages.get(chatId)?.get(messageId);
    if (!stored || stored.deleted) return false;
    stored.deleted = true;
    return true;
  }

  /** Messages sent by `senderId` in a chat, current versions, deleted ones left out. */
  messagesFrom(chatId: number, senderId: number): Message[] {
    return [...(this.messages.get(chatId)?.values() ?? [])]
      .filter((s) => !s.deleted && s.message.from?.id === senderId)
      .map((s) => s.message);
  }

  addDraft(chatId: number, draft: Draft): void {
    const list = this.draftsByChat.get(chatId) ?? [];
    list.push(draft);
    this.draftsByChat.set(chatId, list);
  }

  drafts(chatId: number): readonly Draft[] {
    return this.draftsByChat.get(chatId) ?? [];
  }

  setCommands(key: string, commands: BotCommand[] | undefined): void {
    if (commands) this.commandLists.set(key, commands);
    else this.commandLists.delete(key);
  }

  commands(key: string): BotCommand[] {
    return this.commandLists.get(key) ?? [];
  }

  private addChat(chat: Chat): void {
    this.chats.set(chat.id, chat);
    if (!this.messages.has(chat.id)) this.messages.set(chat.id, new Map());
    if (!this.statuses.has(chat.id)) this.statuses.set(chat.id, new Map());
  }
}

/** The key a command list is stored under: its scope plus language. */
export function commandsKey(scope: unknown, languageCode: unknown): string {
  const s = (scope ?? {}) as { type?: string; chat_id?: unknown; user_id?: unknown };
  const parts = [s.type ?? "default", s.chat_id ?? "", s.user_id ?? "", languageCode ?? ""];
  return parts.map(String).join("|");
}
