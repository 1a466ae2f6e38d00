/**
 * Acting as Telegram users: create users, private chats and groups, and send the bot text,
 * commands, mentions, replies, photos, documents, voice and audio messages, video notes and
 * button presses. Each action stores the message (so later replies can quote it), queues the
 * matching update with the next `update_id`, and returns what it sent.
 */
import { randomBytes } from "node:crypto";
import type { CallbackQuery, Chat, Message, MessageEntity, User } from "@grammyjs/types";
import type { Clock } from "../../../src/shared/clock.js";
import {
  guessMimeType,
  mediaField,
  photoSize,
  type FileKind,
  type FileStore,
  type MediaDetails,
} from "./files.js";
import type { UpdateQueue } from "./updates.js";
import type { MemberStatus, World } from "./world.js";

/** Options every user message takes. */
export interface MessageOptions {
  /** Quote an earlier message (the bot's or a user's). */
  replyTo?: Message;
  /** Post in this forum topic (`message_thread_id`, `is_topic_message`). */
  topic?: number;
}

export interface TextOptions extends MessageOptions {
  /** Explicit entities; by default a leading /command and @mentions get entities. */
  entities?: MessageEntity[];
}

export interface CaptionOptions extends MessageOptions {
  caption?: string;
}

export interface PhotoOptions extends CaptionOptions {
  /** Default: read from the PNG/JPEG header, else 0. */
  width?: number;
  height?: number;
  /** Bytes of a smaller size, listed before the full one as Telegram does. */
  thumbnail?: Uint8Array;
}

export interface DocumentOptions extends CaptionOptions {
  fileName: string;
  /** Default: guessed from the file name. */
  mimeType?: string;
}

export interface VoiceOptions extends CaptionOptions {
  duration?: number;
}

export interface AudioOptions extends VoiceOptions {
  fileName?: string;
  mimeType?: string;
  title?: string;
  performer?: string;
}

export interface VideoNoteOptions extends MessageOptions {
  duration?: number;
  /** Diameter in pixels. */
  length?: number;
}

export interface GroupOptions {
  /** Default "supergroup". */
  type?: "group" | "supergroup";
  members?: User[];
  admins?: User[];
  /** Gets status "creator". */
  owner?: User;
}

/** The user side of the conversation. Reached as `server.users`. */
export class Users {
  constructor(
    private readonly world: World,
    private readonly updates: UpdateQueue,
    private readonly files: FileStore,
    private readonly clock: Clock,
  ) {}

  /** A new user with the next id; `first_name` defaults to `User<id>`, `language_code` to "en". */
  create(fields: Partial<Omit<User, "id" | "is_bot">> = {}): User {
    return this.world.createUser(fields);
  }

  /** The user's private chat with the bot (chat id = user id). */
  privateChat(user: User): Chat.PrivateChat {
    return this.world.privateChat(user);
  }

  /** A group with the bot in it as a member. */
  group(title: string, options: GroupOptions = {}): Chat.GroupChat | Chat.SupergroupChat {
    const chat = this.world.group(title, options.type ?? "supergroup");
    for (const user of options.members ?? []) this.world.setStatus(chat.id, user.id, "member");
    for (const user of options.admins ?? [])
      this.world.setStatus(chat.id, user.id, "administrator");
    if (options.owner) this.world.setStatus(chat.id, options.owner.id, "creator");
    return chat;
  }

  /** Sets what getChatMember answers for `user` (or the bot) in `chat`. */
  setStatus(chat: Chat, user: User, status: MemberStatus): void {
    this.world.setStatus(chat.id, user.id, status);
  }

  /** The user blocks the bot: sends to their private chat get 403 until `unblock`. */
  block(user: User): void {
    this.world.blocked.add(user.id);
  }

  unblock(user: User): void {
    this.world.blocked.delete(user.id);
  }

  sendText(chat: Chat, from: User, text: string, options: TextOptions = {}): Message {
    const entities = options.entities ?? detectEntities(text);
    return this.send(chat, from, options, entities.length > 0 ? { text, entities } : { text });
  }

  /** `/command args`; in groups addressed as `/command@botname` unless `addressed` is false. */
  sendCommand(
    chat: Chat,
    from: User,
    command: string,
    args = "",
    options: MessageOptions & { addressed?: boolean } = {},
  ): Message {
    const addressed = options.addressed ?? chat.type !== "private";
    const head = `/${command.replace(/^\//, "")}${addressed ? `@${this.world.bot.username}` : ""}`;
    return this.sendText(chat, from, args ? `${head} ${args}` : head, options);
  }

  /** `@botname text`, with the mention entity Telegram adds. */
  mentionBot(chat: Chat, from: User, text: string, options: MessageOptions = {}): Message {
    return this.sendText(chat, from, `@${this.world.bot.username} ${text}`, options);
  }

  sendPhoto(chat: Chat, from: User, bytes: Uint8Array, options: PhotoOptions = {}): Message {
    const full = this.files.add("photo", bytes, "photo.jpg", "image/jpeg");
    const sizes = [photoSize(full, options)];
    if (options.thumbnail) {
      const thumb = this.files.add("photo", options.thumbnail, "thumb.jpg", "image/jpeg");
      sizes.unshift(photoSize(thumb));
    }
    return this.send(chat, from, options, { photo: sizes, ...captionFields(options.caption) });
  }

  sendDocument(chat: Chat, from: User, bytes: Uint8Array, options: DocumentOptions): Message {
    const mimeType = options.mimeType ?? guessMimeType(options.fileName);
    return this.sendFile(chat, from, "document", bytes, options.fileName, mimeType, options);
  }

  /** A voice message; `oggBytes` should be OGG/Opus, as Telegram clients record. */
  sendVoice(chat: Chat, from: User, oggBytes: Uint8Array, options: VoiceOptions = {}): Message {
    return this.sendFile(chat, from, "voice", oggBytes, "voice.ogg", "audio/ogg", options);
  }

  sendAudio(chat: Chat, from: User, bytes: Uint8Array, options: AudioOptions = {}): Message {
    const fileName = options.fileName ?? "audio.mp3";
    const mimeType = options.mimeType ?? guessMimeType(fileName);
    return this.sendFile(chat, from, "audio", bytes, fileName, mimeType, options);
  }

  sendVideoNote(
    chat: Chat,
    from: User,
    bytes: Uint8Array,
    options: VideoNoteOptions = {},
  ): Message {
    const details = { duration: options.duration, width: options.length };
    return this.sendFile(
      chat,
      from,
      "video_note",
      bytes,
      "video_note.mp4",
      "video/mp4",
      details,
      options,
    );
  }

  /** The user edits a message they sent: an `edited_message` update. */
  editText(message: Message, text: string): Message {
    const entities = detectEntities(text);
    const { entities: _old, ...rest } = message;
    const edited = {
      ...rest,
      text,
      ...(entities.length > 0 ? { entities } : {}),
      edit_date: this.now(),
    } as Message;
    this.world.replaceMessage(edited);
    this.updates.push({ edited_message: edited } as never);
    return edited;
  }

  /**
   * A text message without a sender (`from` absent, `sender_chat` set), as Telegram sends
   * channel posts and some group messages.
   */
  sendWithoutSender(chat: Chat, text: string): Message {
    const message = this.world.addMessage(chat, undefined, this.now(), { text, sender_chat: chat });
    this.updates.push({ message } as never);
    return message;
  }

  /**
   * Presses the inline button with `callbackData` under `message` (its current version):
   * a `callback_query` update. Throws when the message has no such button, so a test
   * cannot press a button the bot never showed, unless `forged` (a hostile client can send
   * any callback data for a message with buttons).
   */
  pressButton(
    chat: Chat,
    from: User,
    message: Message,
    callbackData: string,
    options: { forged?: boolean } = {},
  ): CallbackQuery {
    const current = this.world.message(chat.id, message.message_id);
    const buttons = current?.reply_markup?.inline_keyboard.flat() ?? [];
    const shown = buttons.some((b) => "callback_data" in b && b.callback_data === callbackData);
    if (!shown && !options.forged) {
      const shown = JSON.stringify(current?.reply_markup ?? null);
      throw new Error(
        `No button with callback_data ${JSON.stringify(callbackData)}; markup: ${shown}`,
      );
    }
    const query: CallbackQuery = {
      id: randomBytes(8).readBigUInt64BE().toString(),
      from,
      message: current!,
      chat_instance: String(chat.id),
      data: callbackData,
    };
    this.world.callbackQueries.set(query.id, { answered: false });
    this.updates.push({ callback_query: query } as never);
    return query;
  }

  private sendFile(
    chat: Chat,
    from: User,
    kind: FileKind,
    bytes: Uint8Array,
    fileName: string,
    mimeType: string,
    options: CaptionOptions & MediaDetails,
    messageOptions: MessageOptions = options,
  ): Message {
    const file = this.files.add(kind, bytes, fileName, mimeType);
    const fields = { ...mediaField(file, options), ...captionFields(options.caption) };
    return this.send(chat, from, messageOptions, fields);
  }

  private send(
    chat: Chat,
    from: User,
    options: MessageOptions,
    fields: Record<string, unknown>,
  ): Message {
    if (this.world.status(chat.id, from.id) === "left")
      this.world.setStatus(chat.id, from.id, "member");
    const reply = options.replyTo
      ? this.world.message(chat.id, options.replyTo.message_id)
      : undefined;
    if (options.replyTo && !reply) {
      throw new Error(`replyTo: message ${options.replyTo.message_id} is not in chat ${chat.id}`);
    }
    const quoted = reply ? { reply_to_message: withoutReply(reply) } : {};
    const topic =
      options.topic === undefined
        ? {}
        : { message_thread_id: options.topic, is_topic_message: true };
    const message = this.world.addMessage(chat, from, this.now(), {
      ...topic,
      ...quoted,
      ...fields,
    });
    this.updates.push({ message } as never);
    return message;
  }

  private now(): number {
    return Math.floor(this.clock.now() / 1000);
  }
}

function captionFields(caption: string | undefined) {
  if (!caption) return {};
  const entities = detectEntities(caption);
  return entities.length > 0 ? { caption, caption_entities: entities } : { caption };
}

function withoutReply(message: Message): Message {
  const { reply_to_message: _nested, ...rest } = message;
  return rest as Message;
}

/** What Telegram's clients mark up by themselves: a leading /command and @mentions. */
export function detectEntities(text: string): MessageEntity[] {
  const entities: MessageEntity[] = [];
  const command = /^\/[a-z0-9_]{1,32}(@\w+)?/i.exec(text);
  if (command) entities.push({ type: "bot_command", offset: 0, length: command[0].length });
  for (const mention of text.matchAll(/(?<![\w@/])@[a-z0-9_]{5,32}\b/gi)) {
    entities.push({ type: "mention", offset: mention.index, length: mention[0].length });
  }
  return entities;
}
