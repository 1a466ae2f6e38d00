/**
 * Drives the bot in-process: updates go through `bot.handleUpdate`, every Bot API call
 * is recorded by a transformer that answers like Telegram would, and the bot runs on the
 * real job layer over small fakes of the services, whose answers and failures each test sets.
 */
import { InputFile, type Transformer } from "grammy";
import type { Message, Update, User } from "grammy/types";
import { createBot, type BotDeps } from "../../src/bot/index.js";
import {
  JobLayer,
  type JobServices,
  type Progress,
  type RecognizedDocument,
  type Transcript,
} from "../../src/jobs/index.js";
import { silentLogger } from "../../src/log/index.js";
import type { JobEvent } from "../../src/models/contract.js";
import type { ChatOutcome } from "../../src/services/chat/index.js";
import type { DocumentResult, PageProgress } from "../../src/services/documents/index.js";
import type { AskInput } from "../../src/services/vision/index.js";
import { Store } from "../../src/memory/index.js";
import { ManualClock } from "../../src/shared/clock.js";
import { botUser } from "../support/bot-user.js";

export const BOT_INFO = botUser({ id: 999, first_name: "Local AI", username: "local_ai_bot" });

export interface ApiCall {
  method: string;
  payload: Record<string, unknown>;
  /** Bytes of uploaded files, by payload field. */
  uploads: Record<string, Uint8Array>;
  /** What the fake Telegram answered. */
  result?: unknown;
}

type Failure = { error_code: number; description: string };

export function ogg(seconds = 1): Uint8Array {
  return new Uint8Array([...Buffer.from("OggS"), seconds]);
}

export class Harness {
  readonly clock = new ManualClock(1_000_000);
  readonly store = Store.open(":memory:", { now: () => this.clock.now() });
  readonly calls: ApiCall[] = [];
  readonly files = new Map<string, Uint8Array>();
  private readonly failures = new Map<string, Failure[]>();
  private nextMessageId = 100;
  private nextUpdateId = 1;

  /** What the fake services answer; tests change these. */
  answer = "Hello **there**!";
  /** Whether answers (chat and picture) stop at the token cap. */
  answerTruncated = false;
  chatRequests: { chatId: number; userId: number; text: string; kind: string }[] = [];
  resets: { chatId: number; userId: number }[] = [];
  transcript: Transcript = {
    text: "привет бот",
    rawText: "привет бот",
    normalized: false,
    language: "ru",
    durationS: 2,
    segments: [{ startS: 0.2, endS: 1.8, text: "привет бот" }],
  };
  recognized: RecognizedDocument = {
    text: "Recognized text",
    language: "en",
    pages: 1,
    skippedPages: 0,
  };
  progress: Progress[] = [];
  serviceError: Error | undefined;
  spoken: string[] = [];
  recognizeCalls: { kind: "image" | "pdf"; normalize: boolean }[] = [];
  pictureQuestions: AskInput[] = [];

  /** The fakes the job layer runs on; tests may replace their methods. */
  readonly services: JobServices;
  readonly deps: BotDeps;
  readonly telegram;
  readonly bot;
  readonly registerCommands;
  readonly idle;

  constructor(overrides: Partial<BotDeps> = {}) {
    const fail = async () => {
      if (this.serviceError) throw this.serviceError;
    };
    const outcome = (text: string): ChatOutcome => ({
      text,
      tokens: 1,
      ms: 1,
      promptTokens: 1,
      historyTurns: 0,
      truncated: this.answerTruncated,
    });
    const document = async (
      kind: "image" | "pdf",
      options: {
        normalize?: boolean;
        onJobEvent?: (event: JobEvent) => void;
        onProgress?: (progress: PageProgress) => void;
      },
    ): Promise<DocumentResult> => {
      this.recognizeCalls.push({ kind, normalize: options.normalize ?? false });
      await fail();
      await this.emitProgress(options.onJobEvent, options.onProgress);
      const { text, language, pages, skippedPages } = this.recognized;
      return {
        kind,
        pages: Array.from({ length: pages }, (_, index) => ({
          page: index + 1,
          method: "ocr" as const,
          text,
          language: "unknown" as const,
          ms: 1,
        })),
        text,
        language: language as DocumentResult["language"],
        engine: "tesseract",
        fallback: this.recognized.fallback ?? false,
        totalPages: pages + skippedPages,
        skippedPages,
        unreadablePages: this.recognized.unreadablePages ?? [],
        normalized: false,
        timings: { totalMs: 1, ocrMs: 1, normalizeMs: 0 },
      };
    };
    this.services = {
      chat: {
        reply: (request) => {
          this.chatRequests.push({ ...request });
          const words = this.answer.match(/\S+\s*/g) ?? [];
          const error = this.serviceError;
          async function* pieces() {
            if (error) throw error;
            yield* words;
          }
          return { pieces: pieces(), done: Promise.resolve(outcome(this.answer)) };
        },
        reset: (dialog) => this.resets.push(dialog),
        complete: () => {
          throw new Error("the bot never asks for a stateless completion");
        },
      },
      tasks: {
        summarize: async () => this.answer,
        translate: async () => this.answer,
      },
      speech: {
        transcribe: async (_bytes, options = {}) => {
          await fail();
          await this.emitProgress(options.onEvent);
          const { text, language, durationS, segments } = this.transcript;
          return {
            text,
            rawText: text,
            normalized: false,
            language,
            durationS,
            decodeMs: 1,
            windows: [],
            segments: segments.map((segment) => ({ ...segment, noSpeechProb: 0 })),
            heardS: durationS,
          };
        },
        synthesize: async (text) => {
          await fail();
          this.spoken.push(text);
          return {
            audio: Buffer.from(ogg(2)),
            sampleRate: 48_000,
            durationS: 2.4,
            engine: "vits",
            voices: ["vits:en"],
          };
        },
      },
      documents: {
        recognizeImage: (_bytes, options = {}) => document("image", options),
        recognizePdf: (_bytes, options = {}) => document("pdf", options),
      },
      vision: {
        table: async () => {
          await fail();
          return {
            rows: [
              ["Month", "Sales"],
              ["January", "10"],
            ],
            markdown: "| Month | Sales |\n| --- | --- |\n| January | 10 |\n",
            csv: "Month,Sales\r\nJanuary,10\r\n",
            truncated: false,
          };
        },
        ask: (question) => {
          this.pictureQuestions.push(question);
          async function* pieces() {
            yield "A picture.";
          }
          return {
            pieces: pieces(),
            done: Promise.resolve({
              text: "A picture.",
              truncated: this.answerTruncated,
              tokens: 3,
              promptTokens: 10,
            }),
          };
        },
        complete: () => {
          throw new Error("the bot never sends stateless conversations");
        },
        conversationImages: () => [],
      },
    };
    this.deps = {
      token: "123:TEST",
      apiRoot: "http://127.0.0.1:1",
      adminIds: [1],
      allowedUserIds: [],
      maxFileBytes: 20 * 2 ** 20,
      telegramTimeoutMs: 30_000,
      maxRetryAfterS: 300,
      rateLimitPerMinute: 1000,
      resultMaxAgeMs: 24 * 3_600_000,
      store: this.store,
      journal: this.store.jobs,
      logger: silentLogger(),
      clock: this.clock,
      streaming: { draftIntervalMs: 0, editIntervalMs: 0, statusAfterMs: 0 },
      fetchFile: async (path) => {
        const bytes = this.files.get(path.replace(/^files\//, ""));
        if (!bytes) throw new Error(`no such file ${path}`);
        return bytes;
      },
      jobs: new JobLayer({
        services: this.services,
        stores: overrides.store ?? this.store,
        clock: this.clock,
        logger: silentLogger(),
      }),
      ownerMaxWaiting: 20,
      defaultReadingMode: "fast",
      status: {
        snapshot: () => ({
          uptimeMs: 3_723_000,
          device: "cpu",
          budgetBytes: 16 * 2 ** 30,
          inUseBytes: 3 * 2 ** 30,
          peakBytes: 5 * 2 ** 30,
          models: [
            {
              id: "chat",
              state: "ready",
              device: "cpu",
              footprintBytes: 2 ** 30,
              measured: true,
              idleMs: 65_000,
              queue: 2,
              running: 1,
              loads: 3,
              jobsOk: 10,
              jobsFailed: 1,
              p50Ms: 800,
              p95Ms: 2500,
            },
            {
              id: "asr",
              state: "unloaded",
              device: "cpu",
              footprintBytes: 2 ** 29,
              measured: false,
              queue: 0,
              running: 0,
              loads: 0,
              jobsOk: 0,
              jobsFailed: 0,
            },
          ],
          usage: [
            { window: "hour", task: "chat", ok: 4, failed: 1 },
            { window: "day", task: "chat", ok: 9, failed: 1 },
          ],
        }),
      },
      ...overrides,
    };

    const record: Transformer = async (_previous, method, payload) => {
      const uploads: Record<string, Uint8Array> = {};
      for (const [key, value] of Object.entries(payload as Record<string, unknown>)) {
        if (value instanceof InputFile) uploads[key] = await readInputFile(value);
      }
      const call: ApiCall = { method, payload: payload as Record<string, unknown>, uploads };
      this.calls.push(call);
      const failure = this.failures.get(method)?.shift();
      if (failure) return { ok: false, ...failure } as never;
      call.result = this.result(method, call.payload);
      return { ok: true, result: call.result } as never;
    };
    const created = createBot(this.deps, { botInfo: BOT_INFO, transformers: [record] });
    this.telegram = created;
    this.bot = created.bot;
    this.registerCommands = created.registerCommands;
    this.idle = created.idle;
  }

  /**
   * Reports the configured progress as a service would (model events, and pages for a
   * document), letting the bot react to each step like a real job would.
   */
  private async emitProgress(
    onEvent: ((event: JobEvent) => void) | undefined,
    onPage?: (progress: PageProgress) => void,
  ): Promise<void> {
    for (const step of this.progress) {
      if (step.type === "page") onPage?.({ page: step.page, pages: step.pages, method: "ocr" });
      else if (step.type === "queued") onEvent?.(step);
      else if (step.type === "loading")
        onEvent?.({ type: "loading", modelId: "m", fallback: false });
      else if (step.type === "running") onEvent?.({ type: "running", modelId: "m" });
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** The next call of `method` fails with this Telegram error. */
  failNext(method: string, failure: Failure): void {
    this.failures.set(method, [...(this.failures.get(method) ?? []), failure]);
  }

  callsOf(method: string): ApiCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** Text of every message the bot sent (final texts, not drafts). */
  sentTexts(): string[] {
    return this.callsOf("sendMessage").map((call) => String(call.payload.text));
  }

  user(id = 10, language_code = "en"): User {
    return { id, is_bot: false, first_name: `User${id}`, language_code };
  }

  private message(from: User, chat: Message["chat"], extra: Partial<Message>): Message {
    return {
      message_id: this.nextMessageId++,
      date: 1_700_000_000,
      chat,
      from,
      ...extra,
    } as Message;
  }

  privateChat(user: User): Message["chat"] {
    return { id: user.id, type: "private", first_name: user.first_name };
  }

  group(id = -100): Message["chat"] {
    return { id, type: "supergroup", title: "Team" };
  }

  async send(update: Record<string, unknown>): Promise<void> {
    await this.bot.handleUpdate({ update_id: this.nextUpdateId++, ...update } as Update);
  }

  async text(
    from: User,
    text: string,
    options: { chat?: Message["chat"]; replyTo?: Message; entities?: Message["entities"] } = {},
  ): Promise<Message> {
    const command = /^\/\w+(@\w+)?/.exec(text);
    const entities =
      options.entities ??
      (command
        ? [{ type: "bot_command" as const, offset: 0, length: command[0].length }]
        : undefined);
    const message = this.message(from, options.chat ?? this.privateChat(from), {
      text,
      ...(entities ? { entities } : {}),
      ...(options.replyTo ? { reply_to_message: options.replyTo as never } : {}),
    });
    await this.send({ message });
    return message;
  }

  async media(
    from: User,
    extra: Partial<Message>,
    bytes: Uint8Array,
    options: { chat?: Message["chat"]; caption?: string } = {},
  ): Promise<Message> {
    const fileId = `file${this.nextMessageId}`;
    this.files.set(fileId, bytes);
    const withIds = JSON.parse(
      JSON.stringify(extra).replace(/"FILE"/g, JSON.stringify(fileId)),
    ) as Partial<Message>;
    const command = options.caption ? /^\/\w+(@\w+)?/.exec(options.caption) : null;
    const message = this.message(from, options.chat ?? this.privateChat(from), {
      ...withIds,
      ...(options.caption ? { caption: options.caption } : {}),
      ...(command
        ? {
            caption_entities: [
              { type: "bot_command" as const, offset: 0, length: command[0].length },
            ],
          }
        : {}),
    });
    await this.send({ message });
    return message;
  }

  photo(from: User, options: { chat?: Message["chat"]; caption?: string; size?: number } = {}) {
    return this.media(
      from,
      {
        photo: [
          {
            file_id: "FILE",
            file_unique_id: "u",
            width: 800,
            height: 600,
            file_size: options.size ?? 1000,
          },
        ],
      },
      new Uint8Array([0xff, 0xd8, 0xff]),
      options,
    );
  }

  document(
    from: User,
    fileName: string,
    mimeType: string,
    options: { chat?: Message["chat"]; caption?: string; size?: number } = {},
  ) {
    return this.media(
      from,
      {
        document: {
          file_id: "FILE",
          file_unique_id: "u",
          file_name: fileName,
          mime_type: mimeType,
          file_size: options.size ?? 1000,
        },
      },
      new Uint8Array([1, 2, 3]),
      options,
    );
  }

  voice(from: User, options: { chat?: Message["chat"]; size?: number } = {}) {
    return this.media(
      from,
      {
        voice: {
          file_id: "FILE",
          file_unique_id: "u",
          duration: 2,
          mime_type: "audio/ogg",
          file_size: options.size ?? 500,
        },
      },
      ogg(),
      options,
    );
  }

  /** A press on an inline button of a message the bot sent. */
  async press(from: User, data: string, message?: Message): Promise<void> {
    const target = message ?? (this.lastBotMessage() as Message);
    const callback_query = {
      id: String(this.nextUpdateId),
      from,
      chat_instance: "c",
      data,
      message: target,
    };
    await this.send({ callback_query });
  }

  lastBotMessage(): Message | undefined {
    return [...this.calls].reverse().find((call) => call.method === "sendMessage")?.result as
      Message | undefined;
  }

  private result(method: string, payload: Record<string, unknown>): unknown {
    const chat = {
      id: Number(payload.chat_id),
      type: Number(payload.chat_id) > 0 ? "private" : "supergroup",
    };
    const message = {
      message_id: this.nextMessageId++,
      date: 1_700_000_000,
      chat,
      from: BOT_INFO,
      text: payload.text,
      reply_markup: payload.reply_markup,
    };
    switch (method) {
      case "sendMessage":
      case "sendVoice":
      case "sendDocument":
        return message;
      case "editMessageText":
        return { ...message, message_id: payload.message_id };
      case "getFile":
        return {
          file_id: payload.file_id,
          file_unique_id: "u",
          file_path: `files/${String(payload.file_id)}`,
        };
      default:
        return true;
    }
  }
}

async function readInputFile(file: InputFile): Promise<Uint8Array> {
  const raw = await file.toRaw();
  if (raw instanceof Uint8Array) return raw;
  const chunks: Uint8Array[] = [];
  for await (const chunk of raw as AsyncIterable<Uint8Array>) chunks.push(chunk);
  return Buffer.concat(chunks);
}
