/**
 * Webhook mode: while a webhook is set, pending updates are POSTed one at a time as JSON to
 * its URL with the `X-Telegram-Bot-Api-Secret-Token` header. A non-2xx answer or a network
 * error is retried up to `maxAttempts` times, `retryDelayMs` apart; then the update is
 * dropped and the error shows in getWebhookInfo (Telegram keeps retrying for longer; tests
 * want a bounded outcome). A JSON answer carrying `method` is run as a webhook reply.
 */
import type { WebhookInfo } from "@grammyjs/types";
import type { Clock } from "../../../src/shared/clock.js";
import type { UpdateQueue } from "./updates.js";

/** What setWebhook stored. */
export interface WebhookConfig {
  url: string;
  secretToken?: string;
  maxConnections?: number;
}

/** Runs a method the webhook answered with (grammY's webhook reply). */
export type WebhookReplyHandler = (
  method: string,
  params: Record<string, unknown>,
) => Promise<void>;

export interface WebhookDeliveryOptions {
  maxAttempts: number;
  retryDelayMs: number;
}

/** Delivers the queue's updates to the webhook, sequentially, in order. */
export class WebhookDelivery {
  private config: WebhookConfig | null = null;
  private lastError: { date: number; message: string } | null = null;
  private delivering: Promise<void> | null = null;
  private readonly abort = new AbortController();

  constructor(
    private readonly queue: UpdateQueue,
    private readonly clock: Clock,
    private readonly options: WebhookDeliveryOptions,
    private readonly onReply: WebhookReplyHandler,
  ) {}

  get active(): boolean {
    return this.config !== null;
  }

  set(config: WebhookConfig): void {
    this.config = config;
    this.lastError = null;
    this.kick();
  }

  delete(): void {
    this.config = null;
  }

  info(): WebhookInfo {
    const info: WebhookInfo = {
      url: this.config?.url ?? "",
      has_custom_certificate: false,
      pending_update_count: this.queue.pending.length,
    };
    if (this.config?.maxConnections) info.max_connections = this.config.maxConnections;
    const allowed = this.queue.allowedUpdates;
    if (this.config && allowed) info.allowed_updates = allowed as WebhookInfo["allowed_updates"];
    if (this.lastError) {
      info.last_error_date = this.lastError.date;
      info.last_error_message = this.lastError.message;
    }
    return info;
  }

  /** Starts delivering if a webhook is set and nothing is being delivered. */
  kick(): void {
    if (!this.config || this.delivering || this.abort.signal.aborted) return;
    this.delivering = this.deliverPending().finally(() => {
      this.delivering = null;
      // An update pushed while the loop was ending found it busy: start again for it.
      if (this.config && this.queue.take(1).length > 0) this.kick();
    });
  }

  /** Stops delivery and waits for the one in flight to end. */
  async close(): Promise<void> {
    this.abort.abort();
    await this.delivering;
  }

  private async deliverPending(): Promise<void> {
    for (;;) {
      const config = this.config;
      const [update] = this.queue.take(1);
      if (!config || !update || this.abort.signal.aborted) return;
      for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
        if (await this.post(config, JSON.stringify(update))) break;
        if (attempt < this.options.maxAttempts) await this.pause();
        if (this.abort.signal.aborted || this.config !== config) return;
      }
      this.queue.confirm(update.update_id + 1);
    }
  }

  /** One POST; true when the webhook took the update. */
  private async post(config: WebhookConfig, body: string): Promise<boolean> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (config.secretToken) headers["x-telegram-bot-api-secret-token"] = config.secretToken;
    try {
      const response = await fetch(config.url, {
        method: "POST",
        headers,
        body,
        signal: this.abort.signal,
      });
      const answer = await response.text();
      if (!response.ok) {
        this.fail(`Wrong response from the webhook: ${response.status} ${response.statusText}`);
        return false;
      }
      await this.runReply(answer);
      return true;
    } catch (error) {
      if (!this.abort.signal.aborted) this.fail(`Connection failed: ${(error as Error).message}`);
      return false;
    }
  }

  private async runReply(answer: string): Promise<void> {
    let reply: unknown;
    try {
      reply = JSON.parse(answer);
    } catch {
      return; // Any non-JSON 2xx answer just acknowledges the update.
    }
    if (typeof reply === "object" && reply !== null && "method" in reply) {
      const { method, ...params } = reply as Record<string, unknown>;
      if (typeof method === "string") await this.onReply(method, params);
    }
  }

  private fail(message: string): void {
    this.lastError = { date: Math.floor(this.clock.now() / 1000), message };
  }

  private pause(): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(resolve, this.options.retryDelayMs);
      this.abort.signal.addEventListener("abort", () => {
        this.clock.clearTimeout(timer);
        resolve();
      });
    });
  }
}
