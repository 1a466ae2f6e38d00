/**
 * A loopback Telegram Bot API server for tests. A grammY bot pointed at `server.apiRoot`
 * long-polls it or receives its webhook posts, and tests act as users through
 * `server.users` and await what the bot did with `server.waitFor` instead of sleeping.
 * See README.md in this folder for what is emulated and what is not.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { BotCommand, BotCommandScope, Message, Update, UserFromGetMe } from "@grammyjs/types";
import { systemClock, type Clock } from "../../../src/shared/clock.js";
import { readBody, type UploadedFile } from "./body.js";
import { CallLog, type RecordedCall, type WaitForOptions } from "./calls.js";
import { ApiError, type ApiErrorSpec } from "./errors.js";
import { FileStore, type StoredFile } from "./files.js";
import { KNOWN_METHODS } from "./known-methods.js";
import { METHODS, type MethodContext } from "./methods.js";
import { UpdateQueue } from "./updates.js";
import { Users } from "./users.js";
import { WebhookDelivery } from "./webhook.js";
import { World, commandsKey, type Draft } from "./world.js";
import { botUser } from "../bot-user.js";

export interface BotApiServerOptions {
  /** Default "123456:TEST-TOKEN"; the bot id is the part before ":". */
  token?: string;
  /** Overrides for getMe (username defaults to "test_bot"). */
  bot?: Partial<Omit<UserFromGetMe, "id" | "is_bot">>;
  /** Drives long-poll timeouts, webhook retry pauses and message dates. Default: real time. */
  clock?: Clock;
  /** Multipart uploads above this are a 413 (Telegram: 50 MB). */
  maxUploadBytes?: number;
  /** getFile refuses bigger files with "file is too big" (Telegram: 20 MB). */
  maxDownloadBytes?: number;
  /**
   * Act like `telegram-bot-api --local`: getFile writes the file under this folder and
   * answers its absolute path on disk, for any size (the bot reads it directly).
   */
  localFilesDir?: string;
  /** The port to listen on (a test's "Telegram comes back" on a port the bot already tries); default: a free one. */
  port?: number;
  /** Webhook POST attempts per update before it is dropped (default 3). */
  webhookAttempts?: number;
  /** Pause between webhook attempts (default 50 ms). */
  webhookRetryDelayMs?: number;
}

/**
 * An injected failure: an API error answer, "disconnect" to drop the connection, or
 * "stall" to never answer (the request is held until the client hangs up or the server
 * closes, as a dead network path behaves).
 */
export type Failure = ApiErrorSpec | "disconnect" | "stall";

/** The `failNext` key for file downloads (`GET /file/bot<token>/<path>`). */
export const DOWNLOAD = "download";

/** How a stalled call shows in the call log: recorded when the stall begins. */
export const STALLED: ApiErrorSpec = { error_code: 0, description: "stalled: no answer" };

const MB = 1024 * 1024;
const NOT_FOUND: ApiErrorSpec = { error_code: 404, description: "Not Found: method not found" };
const UNAUTHORIZED: ApiErrorSpec = { error_code: 401, description: "Unauthorized" };

/** The emulator. Create with {@link BotApiServer.start}, end with {@link BotApiServer.close}. */
export class BotApiServer {
  /** The bot's token, as the bot must use it. */
  readonly token: string;
  /** What getMe answers. */
  readonly bot: UserFromGetMe;
  /** Act as users: create chats, send the bot messages, press buttons. */
  readonly users: Users;
  /** Files users sent and files the bot uploaded, by file_id. */
  private readonly files = new FileStore();
  private readonly world: World;
  private readonly updates: UpdateQueue;
  private readonly webhook: WebhookDelivery;
  private readonly log = new CallLog();
  private readonly failures = new Map<string, { failure: Failure; times: number }[]>();
  /** Chats under a flood limit: epoch ms until which their calls get 429. */
  private readonly floodUntil = new Map<number | string, number>();
  private readonly context: MethodContext;
  private readonly maxUploadBytes: number;
  private readonly http: Server;
  private readonly closing = new AbortController();
  private port = 0;

  private constructor(options: BotApiServerOptions) {
    this.token = options.token ?? "123456:TEST-TOKEN";
    const clock = options.clock ?? systemClock;
    this.bot = botUser({
      id: Number(this.token.split(":")[0]) || 123456,
      first_name: "Test Bot",
      username: "test_bot",
      ...options.bot,
    });
    this.world = new World(this.bot);
    this.updates = new UpdateQueue(clock, () => this.webhook.kick());
    this.webhook = new WebhookDelivery(
      this.updates,
      clock,
      {
        maxAttempts: options.webhookAttempts ?? 3,
        retryDelayMs: options.webhookRetryDelayMs ?? 50,
      },
      (method, params) => this.call(method, params, new Map(), this.closing.signal).then(() => {}),
    );
    this.users = new Users(this.world, this.updates, this.files, clock);
    this.context = {
      world: this.world,
      files: this.files,
      updates: this.updates,
      webhook: this.webhook,
      clock,
      maxDownloadBytes: options.maxDownloadBytes ?? 20 * MB,
      localFilesDir: options.localFilesDir,
    };
    this.maxUploadBytes = options.maxUploadBytes ?? 50 * MB;
    this.http = createServer((req, res) => void this.route(req, res));
    // Node closes an idle kept-alive connection after 5 s; a bot call sent on it at that moment
    // fails with "socket hang up" and is retried with a warning (a CI run's e2e warning check
    // caught one). Telegram keeps them much longer; closeAllConnections() ends them on close.
    this.http.keepAliveTimeout = 10 * 60_000;
  }

  /** Starts a server on 127.0.0.1 at `options.port` or a free port. */
  static async start(options: BotApiServerOptions = {}): Promise<BotApiServer> {
    const server = new BotApiServer(options);
    await new Promise<void>((resolve, reject) => {
      server.http.once("error", reject);
      server.http.listen(options.port ?? 0, "127.0.0.1", resolve);
    });
    server.port = (server.http.address() as AddressInfo).port;
    return server;
  }

  /** The bot's `client.apiRoot`, e.g. `http://127.0.0.1:40123`. */
  get apiRoot(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Where the bot downloads a `file_path` from getFile. */
  fileUrl(filePath: string): string {
    return `${this.apiRoot}/file/bot${this.token}/${filePath}`;
  }

  /** Every finished call except getUpdates, in order. */
  get calls(): readonly RecordedCall[] {
    return this.log.calls;
  }

  /**
   * The first call matching `predicate` that no earlier waitFor returned, made before or
   * after this call. Rejects after `timeoutMs` (default 5000) listing every call seen.
   */
  waitFor(
    predicate: (call: RecordedCall) => boolean,
    options?: WaitForOptions,
  ): Promise<RecordedCall> {
    return this.log.waitFor(predicate, options);
  }

  /**
   * Resolves once the bot is long-polling (a getUpdates is held open), at once if it is:
   * "the bot is up and idle". Not needed before sending: updates queue until fetched.
   */
  waitForPolling(): Promise<void> {
    return this.updates.whenPolling();
  }

  /** The bot's messages in a chat, current (edited) versions, deleted ones left out. */
  messagesIn(chatId: number): Message[] {
    return this.world.messagesFrom(chatId, this.bot.id);
  }

  /** Any message's current version, unless deleted. */
  message(chatId: number, messageId: number): Message | undefined {
    return this.world.message(chatId, messageId);
  }

  /** sendMessageDraft calls for a chat, in order. */
  drafts(chatId: number): readonly Draft[] {
    return this.world.drafts(chatId);
  }

  /** The command list stored for a scope and language (what getMyCommands answers). */
  commands(scope?: BotCommandScope, languageCode?: string): BotCommand[] {
    return this.world.commands(commandsKey(scope, languageCode));
  }

  /** A stored file with its bytes (`file_id` from a message or a recorded call's result). */
  file(fileId: string): StoredFile | undefined {
    return this.files.get(fileId);
  }

  /** Updates the bot has not confirmed yet. */
  get pendingUpdates(): readonly Update[] {
    return this.updates.pending;
  }

  /**
   * The next `times` calls of `method` fail with `failure` instead of running; `method`
   * {@link DOWNLOAD} ("download") stands for file downloads.
   */
  failNext(method: string, failure: Failure, times = 1): void {
    const key = method.toLowerCase();
    const queue = this.failures.get(key) ?? [];
    queue.push({ failure, times });
    this.failures.set(key, queue);
  }

  /**
   * Puts a chat under a flood limit, as Telegram does: for `seconds`, every call for this
   * chat fails with 429 and `retry_after` = the seconds left (rounded up).
   */
  floodLimit(chatId: number, seconds: number): void {
    this.floodUntil.set(chatId, this.context.clock.now() + seconds * 1000);
  }

  /** Ends held long polls, stops webhook delivery, fails pending waits and closes sockets. */
  async close(): Promise<void> {
    this.closing.abort();
    this.updates.releaseHeld([]);
    await this.webhook.close();
    this.log.rejectAll("BotApiServer closed while waiting");
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.apiRoot);
    const api = /^\/bot([^/]+)\/([^/]+)$/.exec(url.pathname);
    const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (file && req.method === "GET")
      return this.serveFile(file[1]!, decodeURIComponent(file[2]!), req, res);
    if (!api) return reply(res, { ok: false, ...NOT_FOUND, description: "Not Found" });
    if (api[1] !== this.token) return reply(res, { ok: false, ...UNAUTHORIZED });

    // Aborted when the bot hangs up, e.g. grammY's bot.stop() during a held getUpdates.
    const hangUp = new AbortController();
    res.on("close", () => hangUp.abort());
    try {
      const body = await readBody(req, url, this.maxUploadBytes);
      const failure = this.takeFailure(api[2]!);
      if (failure === "disconnect") {
        req.socket.destroy();
        return;
      }
      if (failure === "stall") {
        this.log.record({
          method: api[2]!,
          params: body.params,
          files: body.files,
          chatId: chatIdOf(body.params),
          error: STALLED,
        });
        return await this.stall(req, hangUp.signal);
      }
      const result = await this.call(api[2]!, body.params, body.files, hangUp.signal, failure);
      reply(res, { ok: true, result });
    } catch (error) {
      if (error instanceof ApiError) return reply(res, { ok: false, ...error.spec });
      // A bug in the emulator: show it, and answer like a Telegram outage.
      console.error("BotApiServer failed on", api[2], error);
      reply(res, {
        ok: false,
        error_code: 500,
        description: `Internal Server Error: ${String(error)}`,
      });
    }
  }

  /** Runs one method and records it, failed or not (getUpdates is not recorded). */
  private async call(
    method: string,
    params: Record<string, unknown>,
    files: ReadonlyMap<string, UploadedFile>,
    signal: AbortSignal,
    failure?: ApiErrorSpec,
  ): Promise<unknown> {
    const name = Object.keys(METHODS).find((m) => m.toLowerCase() === method.toLowerCase());
    const record = (outcome: { result: unknown } | { error: ApiErrorSpec }) => {
      if (name === "getUpdates") return;
      const call = { method: name ?? method, params, files, chatId: chatIdOf(params) };
      this.log.record({ ...call, ...outcome });
    };
    try {
      if (!name && !KNOWN_METHODS.has(method.toLowerCase())) throw new ApiError(NOT_FOUND);
      if (failure) throw new ApiError(failure);
      this.checkFlood(params);
      const result = name ? await METHODS[name]!(params, files, this.context, signal) : true;
      record({ result });
      return result;
    } catch (error) {
      if (error instanceof ApiError) record({ error: error.spec });
      throw error;
    }
  }

  private checkFlood(params: Record<string, unknown>): void {
    const chatId = chatIdOf(params);
    const until = chatId === undefined ? undefined : this.floodUntil.get(chatId);
    const left = until === undefined ? 0 : until - this.context.clock.now();
    if (left <= 0) return;
    const retryAfter = Math.ceil(left / 1000);
    throw new ApiError({
      error_code: 429,
      description: `Too Many Requests: retry after ${retryAfter}`,
      parameters: { retry_after: retryAfter },
    });
  }

  private takeFailure(method: string): Failure | undefined {
    const queue = this.failures.get(method.toLowerCase());
    const next = queue?.[0];
    if (!next) return undefined;
    if (--next.times <= 0) queue.shift();
    return next.failure;
  }

  /** Holds a request unanswered until the client hangs up or the server closes. */
  private async stall(req: IncomingMessage, hangUp: AbortSignal): Promise<void> {
    await new Promise<void>((resolve) => {
      if (hangUp.aborted || this.closing.signal.aborted) return resolve();
      hangUp.addEventListener("abort", () => resolve(), { once: true });
      this.closing.signal.addEventListener("abort", () => resolve(), { once: true });
    });
    req.socket.destroy();
  }

  private async serveFile(
    token: string,
    filePath: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    if (token !== this.token) return reply(res, { ok: false, ...UNAUTHORIZED });
    const file = this.files.atPath(filePath);
    if (!file) return reply(res, { ok: false, error_code: 404, description: "Not Found" });
    const failure = this.takeFailure(DOWNLOAD);
    if (failure === "disconnect") {
      req.socket.destroy();
      return;
    }
    if (failure === "stall") {
      const hangUp = new AbortController();
      res.on("close", () => hangUp.abort());
      // Headers go out, the body never does: a download that starts and then hangs.
      res.writeHead(200, { "content-type": file.mimeType, "content-length": file.bytes.length });
      res.flushHeaders();
      return this.stall(req, hangUp.signal);
    }
    if (failure) return reply(res, { ok: false, ...failure });
    res.writeHead(200, { "content-type": file.mimeType, "content-length": file.bytes.length });
    res.end(file.bytes);
  }
}

/** `chat_id` as a number when it is one; "@username" stays a string. */
function chatIdOf(params: Record<string, unknown>): number | string | undefined {
  const id = params.chat_id;
  if (typeof id === "number") return id;
  if (typeof id !== "string") return undefined;
  return /^-?\d+$/.test(id) ? Number(id) : id;
}

type Answer = { ok: true; result: unknown } | ({ ok: false } & ApiErrorSpec);

function reply(res: ServerResponse, body: Answer): void {
  if (res.destroyed) return;
  const json = JSON.stringify(body);
  res.writeHead(body.ok ? 200 : (body.error_code ?? 500), {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(json),
  });
  res.end(json);
}
