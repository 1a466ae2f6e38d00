/**
 * The emulated Bot API methods. Each handler takes the decoded parameters and uploads and
 * returns the `result` Telegram would, or throws the {@link ApiError} it would answer.
 * Validation covers what a bot under test can plausibly get wrong (unknown chats and
 * messages, HTML that does not parse, over-long or empty text, unchanged edits, bad command
 * lists); everything else is taken on trust.
 */
import fs from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import type {
  BotCommand,
  ChatFullInfo,
  ChatMember,
  InlineKeyboardMarkup,
  Message,
  MessageEntity,
  Update,
  User,
} from "@grammyjs/types";
import type { Clock } from "../../../src/shared/clock.js";
import type { UploadedFile } from "./body.js";
import { ApiError, badRequest } from "./errors.js";
import {
  guessMimeType,
  mediaField,
  type FileKind,
  type FileStore,
  type StoredFile,
} from "./files.js";
import { parseHtml, type FormattedText } from "./html.js";
import type { UpdateQueue } from "./updates.js";
import type { WebhookDelivery } from "./webhook.js";
import { commandsKey, type MemberStatus, type World } from "./world.js";

/** Everything a handler may read or change. */
export interface MethodContext {
  world: World;
  files: FileStore;
  updates: UpdateQueue;
  webhook: WebhookDelivery;
  clock: Clock;
  /** getFile refuses bigger files, like Telegram's 20 MB limit for bots. */
  maxDownloadBytes: number;
  /** Set in `--local` mode: getFile answers absolute paths of files written here. */
  localFilesDir?: string;
}

export type Params = Record<string, unknown>;
export type MethodHandler = (
  params: Params,
  uploads: ReadonlyMap<string, UploadedFile>,
  context: MethodContext,
  signal: AbortSignal,
) => unknown;

const MAX_TEXT = 4096;
const MAX_CAPTION = 1024;
const CHAT_ACTIONS = new Set([
  "typing",
  "upload_photo",
  "record_video",
  "upload_video",
  "record_voice",
  "upload_voice",
  "upload_document",
  "choose_sticker",
  "find_location",
  "record_video_note",
  "upload_video_note",
]);
const NOT_MODIFIED =
  "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";

/** Handlers by canonical method name. */
export const METHODS: Record<string, MethodHandler> = {
  getMe: (_p, _u, { world }) => world.bot,

  getUpdates: (params, _u, { updates, webhook }, signal): Promise<Update[]> => {
    if (webhook.active) throw webhookConflict();
    return updates.poll(
      {
        offset: optionalInt(params, "offset"),
        limit: Math.min(100, Math.max(1, optionalInt(params, "limit") ?? 100)),
        timeoutSeconds: optionalInt(params, "timeout") ?? 0,
        allowedUpdates: updateTypes(params),
      },
      signal,
    );
  },

  setWebhook: (params, _u, { webhook, updates }) => {
    const url = String(params.url ?? "");
    if (flag(params, "drop_pending_updates")) updates.clear();
    if (url === "") {
      webhook.delete();
      return true;
    }
    const secretToken = optionalString(params, "secret_token");
    if (secretToken !== undefined && !/^[\w-]{1,256}$/.test(secretToken)) {
      throw badRequest("secret token contains unallowed characters");
    }
    updates.setAllowedUpdates(updateTypes(params));
    updates.releaseHeld(webhookConflict());
    webhook.set({ url, secretToken, maxConnections: optionalInt(params, "max_connections") });
    return true;
  },

  deleteWebhook: (params, _u, { webhook, updates }) => {
    if (flag(params, "drop_pending_updates")) updates.clear();
    webhook.delete();
    return true;
  },

  getWebhookInfo: (_p, _u, { webhook }) => webhook.info(),

  sendMessage: (params, _u, context) => {
    const chatId = targetChat(params, context);
    const text = formatted(params, "text", "entities", MAX_TEXT);
    return addBotMessage(params, context, chatId, textFields(text));
  },

  editMessageText: (params, _u, context) => {
    if (params.inline_message_id !== undefined) return true;
    const message = editableMessage(params, context);
    if (message.text === undefined) throw badRequest("there is no text in the message to edit");
    const text = formatted(params, "text", "entities", MAX_TEXT);
    const markup = inlineMarkup(params.reply_markup);
    const unchanged =
      message.text === text.text &&
      isDeepStrictEqual(message.entities ?? [], text.entities) &&
      isDeepStrictEqual(message.reply_markup, markup);
    if (unchanged) throw badRequest(NOT_MODIFIED);
    // Like Telegram, an edit without reply_markup removes the inline keyboard.
    const { entities: _entities, reply_markup: _markup, ...rest } = message;
    return saveEdit(context, { ...rest, ...textFields(text), ...markupField(markup) } as Message);
  },

  editMessageReplyMarkup: (params, _u, context) => {
    if (params.inline_message_id !== undefined) return true;
    const message = editableMessage(params, context);
    const markup = inlineMarkup(params.reply_markup);
    if (isDeepStrictEqual(message.reply_markup, markup)) throw badRequest(NOT_MODIFIED);
    const { reply_markup: _markup, ...rest } = message;
    return saveEdit(context, { ...rest, ...markupField(markup) } as Message);
  },

  deleteMessage: (params, _u, { world }) => {
    const chat = world.resolveChat(params.chat_id);
    if (!world.deleteMessage(chat.id, requireInt(params, "message_id"))) {
      throw badRequest("message to delete not found");
    }
    return true;
  },

  sendChatAction: (params, _u, context) => {
    targetChat(params, context);
    if (!CHAT_ACTIONS.has(String(params.action))) {
      throw badRequest("wrong parameter action in request");
    }
    return true;
  },

  sendMessageDraft: (params, _u, { world }) => {
    const chat = world.resolveChat(params.chat_id);
    if (chat.type !== "private") throw badRequest("drafts can be sent to private chats only");
    const draftId = requireInt(params, "draft_id");
    if (draftId === 0) throw badRequest("draft_id must be non-zero");
    const { text, entities } = formatted(params, "text", "entities", MAX_TEXT, true);
    world.addDraft(chat.id, { draft_id: draftId, text, entities });
    return true;
  },

  sendVoice: sendMedia("voice"),
  sendAudio: sendMedia("audio"),
  sendDocument: sendMedia("document"),
  sendPhoto: sendMedia("photo"),
  sendVideo: sendMedia("video"),
  sendVideoNote: sendMedia("video_note"),

  getFile: (params, _u, { files, maxDownloadBytes, localFilesDir }) => {
    const file = files.get(String(params.file_id ?? ""));
    if (!file) throw badRequest("invalid file_id");
    const { file_id, file_unique_id, file_size, file_path } = file;
    if (localFilesDir) {
      // A local server has the file on its disk and no download limit.
      const absolute = path.join(localFilesDir, file_path);
      fs.mkdirSync(path.dirname(absolute), { recursive: true });
      fs.writeFileSync(absolute, file.bytes);
      return { file_id, file_unique_id, file_size, file_path: absolute };
    }
    if (file.file_size > maxDownloadBytes) throw badRequest("file is too big");
    return { file_id, file_unique_id, file_size, file_path };
  },

  setMyCommands: (params, _u, { world }) => {
    world.setCommands(
      commandsKey(params.scope, params.language_code),
      validCommands(params.commands),
    );
    return true;
  },

  getMyCommands: (params, _u, { world }) =>
    world.commands(commandsKey(params.scope, params.language_code)),

  deleteMyCommands: (params, _u, { world }) => {
    world.setCommands(commandsKey(params.scope, params.language_code), undefined);
    return true;
  },

  answerCallbackQuery: (params, _u, { world }) => {
    const query = world.callbackQueries.get(String(params.callback_query_id));
    if (!query || query.answered) {
      throw badRequest("query is too old and response timeout expired or query ID is invalid");
    }
    if (String(params.text ?? "").length > 200) throw badRequest("MESSAGE_TOO_LONG");
    query.answered = true;
    return true;
  },

  getChat: (params, _u, { world }): ChatFullInfo => {
    const chat = world.resolveChat(params.chat_id);
    const gifts = { unlimited_gifts: false, limited_gifts: false, unique_gifts: false };
    return {
      ...chat,
      accent_color_id: 0,
      max_reaction_count: 11,
      accepted_gift_types: { ...gifts, premium_subscription: false, gifts_from_channels: false },
    } as unknown as ChatFullInfo;
  },

  getChatMember: (params, _u, { world }) => {
    const chat = world.resolveChat(params.chat_id);
    const user = world.user(requireInt(params, "user_id"));
    if (!user) throw badRequest("user not found");
    return chatMember(user, world.status(chat.id, user.id));
  },

  getChatAdministrators: (params, _u, { world }) => {
    const chat = world.resolveChat(params.chat_id);
    return world
      .members(chat.id)
      .filter(([, status]) => status === "creator" || status === "administrator")
      .map(([id, status]) => chatMember(world.user(id)!, status));
  },

  setMessageReaction: (params, _u, { world }) => {
    world.resolveChat(params.chat_id);
    return true;
  },
};

function webhookConflict(): ApiError {
  return new ApiError({
    error_code: 409,
    description:
      "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
  });
}

// --- Messages ---------------------------------------------------------------------------

/** The chat a send goes to, refusing chats the bot cannot write to (403, like Telegram). */
function targetChat(params: Params, { world }: MethodContext): number {
  const chat = world.resolveChat(params.chat_id);
  if (chat.type === "private" && world.blocked.has(chat.id)) {
    throw new ApiError({ error_code: 403, description: "Forbidden: bot was blocked by the user" });
  }
  const status = world.status(chat.id, world.bot.id);
  if (status === "left" || status === "kicked") {
    throw new ApiError({
      error_code: 403,
      description: `Forbidden: bot is not a member of the ${chat.type} chat`,
    });
  }
  return chat.id;
}

/** Stores a message from the bot, with the reply and inline keyboard its params ask for. */
function addBotMessage(
  params: Params,
  { world, clock }: MethodContext,
  chatId: number,
  fields: Record<string, unknown>,
): Message {
  const reply = repliedMessage(params, world, chatId);
  const markup = inlineMarkup(params.reply_markup);
  const thread = optionalInt(params, "message_thread_id");
  return world.addMessage(world.chat(chatId)!, world.botUser, unixTime(clock), {
    ...(thread === undefined ? {} : { message_thread_id: thread, is_topic_message: true }),
    ...(reply ? { reply_to_message: withoutReply(reply) } : {}),
    ...fields,
    ...markupField(markup),
  });
}

function repliedMessage(params: Params, world: World, chatId: number): Message | undefined {
  const parameters = (params.reply_parameters ?? {}) as Params;
  const id = optionalInt(parameters, "message_id") ?? optionalInt(params, "reply_to_message_id");
  if (id === undefined) return undefined;
  const inChat =
    parameters.chat_id === undefined ? chatId : world.resolveChat(parameters.chat_id).id;
  const message = world.message(inChat, id);
  if (!message && !flag(parameters, "allow_sending_without_reply")) {
    throw badRequest("message to be replied not found");
  }
  return message;
}

/** Telegram nests one level of reply only. */
function withoutReply(message: Message): Message {
  const { reply_to_message: _nested, ...rest } = message;
  return rest as Message;
}

function editableMessage(params: Params, { world }: MethodContext): Message {
  const chat = world.resolveChat(params.chat_id);
  const message = world.message(chat.id, requireInt(params, "message_id"));
  if (!message) throw badRequest("message to edit not found");
  if (message.from?.id !== world.bot.id) throw badRequest("message can't be edited");
  return message;
}

function saveEdit({ world, clock }: MethodContext, message: Message): Message {
  const edited = { ...message, edit_date: unixTime(clock) } as Message;
  world.replaceMessage(edited);
  return edited;
}

/** Only inline keyboards show up in a sent Message. */
function inlineMarkup(markup: unknown): InlineKeyboardMarkup | undefined {
  return typeof markup === "object" && markup !== null && "inline_keyboard" in markup
    ? (markup as InlineKeyboardMarkup)
    : undefined;
}

function markupField(markup: InlineKeyboardMarkup | undefined) {
  return markup ? { reply_markup: markup } : {};
}

function textFields({ text, entities }: FormattedText) {
  return entities.length > 0 ? { text, entities } : { text };
}

/**
 * The text (or caption) a call carries, parsed per `parse_mode`: HTML is parsed and
 * validated; Markdown and MarkdownV2 are kept verbatim without entities (not emulated).
 */
function formatted(
  params: Params,
  textKey: "text" | "caption",
  entitiesKey: "entities" | "caption_entities",
  max: number,
  allowEmpty = false,
): FormattedText {
  const source = params[textKey] === undefined ? "" : String(params[textKey]);
  const mode = String(params.parse_mode ?? "").toLowerCase();
  const result =
    mode === "html"
      ? parseHtml(source)
      : {
          text: source,
          entities: Array.isArray(params[entitiesKey])
            ? (params[entitiesKey] as MessageEntity[])
            : [],
        };
  if (!allowEmpty && result.text.trim() === "") throw badRequest("message text is empty");
  if (result.text.length > max) {
    throw badRequest(textKey === "text" ? "message is too long" : "message caption is too long");
  }
  return result;
}

// --- Files ------------------------------------------------------------------------------

/** sendVoice, sendDocument, ...: an upload or a known file_id, plus an optional caption. */
function sendMedia(kind: FileKind): MethodHandler {
  return (params, uploads, context) => {
    const chatId = targetChat(params, context);
    const file = inputFile(kind, params, uploads, context.files);
    const caption =
      params.caption === undefined
        ? {}
        : captionFields(formatted(params, "caption", "caption_entities", MAX_CAPTION, true));
    const media = mediaField(file, {
      duration: optionalInt(params, "duration"),
      width: optionalInt(params, "width") ?? optionalInt(params, "length"),
      height: optionalInt(params, "height"),
      title: optionalString(params, "title"),
      performer: optionalString(params, "performer"),
    });
    return addBotMessage(params, context, chatId, { ...media, ...caption });
  };
}

function captionFields({ text, entities }: FormattedText) {
  if (text === "") return {};
  return entities.length > 0 ? { caption: text, caption_entities: entities } : { caption: text };
}

function inputFile(
  kind: FileKind,
  params: Params,
  uploads: ReadonlyMap<string, UploadedFile>,
  files: FileStore,
): StoredFile {
  const upload = uploads.get(kind);
  if (upload) {
    return files.add(kind, upload.bytes, upload.fileName, uploadMimeType(kind, upload));
  }
  const reference = params[kind];
  if (reference === undefined) throw badRequest(`there is no ${kind} in the request`);
  const known = files.get(String(reference));
  if (!known) throw badRequest("wrong file identifier/HTTP URL specified");
  return known;
}

function uploadMimeType(kind: FileKind, upload: UploadedFile): string {
  switch (kind) {
    case "voice":
      return "audio/ogg";
    case "photo":
      return "image/jpeg"; // Telegram re-encodes photos as JPEG.
    default:
      return guessMimeType(upload.fileName, upload.mimeType);
  }
}

// --- Commands and members ---------------------------------------------------------------

function validCommands(value: unknown): BotCommand[] {
  if (!Array.isArray(value) || value.length > 100)
    throw badRequest("commands must be a list of up to 100");
  for (const entry of value as Partial<BotCommand>[]) {
    if (typeof entry?.command !== "string" || !/^[a-z0-9_]{1,32}$/.test(entry.command)) {
      throw badRequest("BOT_COMMAND_INVALID");
    }
    const description = entry.description;
    if (typeof description !== "string" || description.length < 1 || description.length > 256) {
      throw badRequest("BOT_COMMAND_DESCRIPTION_INVALID");
    }
  }
  return (value as BotCommand[]).map(({ command, description }) => ({ command, description }));
}

function chatMember(user: User, status: MemberStatus): ChatMember {
  switch (status) {
    case "creator":
      return { status, user, is_anonymous: false };
    case "administrator":
      return {
        status,
        user,
        can_be_edited: false,
        is_anonymous: false,
        can_manage_chat: true,
        can_delete_messages: true,
        can_manage_video_chats: true,
        can_restrict_members: true,
        can_promote_members: false,
        can_change_info: true,
        can_invite_users: true,
        can_post_stories: false,
        can_edit_stories: false,
        can_delete_stories: false,
        can_pin_messages: true,
        can_send_welcome_messages: false,
      } as ChatMember;
    case "kicked":
      return { status, user, until_date: 0 };
    default:
      return { status, user } as ChatMember;
  }
}

// --- Parameters -------------------------------------------------------------------------

function optionalInt(params: Params, name: string): number | undefined {
  const value = params[name];
  if (value === undefined || value === null || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw badRequest(`wrong parameter ${name} in request`);
  return n;
}

function requireInt(params: Params, name: string): number {
  const n = optionalInt(params, name);
  if (n === undefined) throw badRequest(`${name} is empty`);
  return n;
}

function optionalString(params: Params, name: string): string | undefined {
  const value = params[name];
  return value === undefined || value === null ? undefined : String(value);
}

/** `allowed_updates` as a list, or undefined when absent (keep the current filter). */
function updateTypes(params: Params): string[] | undefined {
  const types = params.allowed_updates;
  return Array.isArray(types) ? types.map(String) : undefined;
}

function flag(params: Params, name: string): boolean {
  return params[name] === true || params[name] === "true";
}

function unixTime(clock: Clock): number {
  return Math.floor(clock.now() / 1000);
}
