/**
 * Telling Telegram where to send updates. Takes the API object as a parameter (grammY's
 * `bot.api` fits) so this module needs no bot.
 */
import type { Update } from "grammy/types";
import type { Logger } from "pino";

export type UpdateType = Exclude<keyof Update, "update_id">;

/** The two Bot API methods used here; grammY's `Api` satisfies it. */
export interface WebhookApi {
  setWebhook(
    url: string,
    other: {
      secret_token: string;
      allowed_updates: readonly UpdateType[];
      drop_pending_updates: boolean;
      max_connections?: number;
    },
  ): Promise<true>;
  deleteWebhook(other: { drop_pending_updates: boolean }): Promise<true>;
}

export interface WebhookRegistration {
  url: string;
  secret: string;
  /** Sent every time: Telegram otherwise keeps whatever list was set last. */
  allowedUpdates: readonly UpdateType[];
  /** Parallel connections Telegram may open (1-100; Telegram's default is 40). */
  maxConnections?: number;
}

/**
 * Points Telegram at the webhook. Updates that queued up meanwhile are kept
 * (drop_pending_updates: false): a restart must not lose users' messages.
 */
export async function registerWebhook(
  api: WebhookApi,
  registration: WebhookRegistration,
  logger: Logger,
): Promise<void> {
  await api.setWebhook(registration.url, {
    secret_token: registration.secret,
    allowed_updates: registration.allowedUpdates,
    drop_pending_updates: false,
    ...(registration.maxConnections === undefined
      ? {}
      : { max_connections: registration.maxConnections }),
  });
  logger.info({ url: registration.url }, "webhook registered with Telegram");
}

/**
 * Removes the webhook so getUpdates works again (Telegram answers 409 to polling while a
 * webhook is set). Call before polling starts; pending updates are kept.
 */
export async function unregisterWebhook(api: WebhookApi, logger: Logger): Promise<void> {
  await api.deleteWebhook({ drop_pending_updates: false });
  logger.info("webhook removed; polling for updates");
}
