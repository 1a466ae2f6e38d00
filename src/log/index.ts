/**
 * Structured logging with pino: JSON in production, pretty in development. Secrets are
 * scrubbed twice: known fields are redacted by path, and every output line is filtered
 * for the secret strings themselves (the bot token can hide inside an error's URL).
 */
import { pino, type Logger, type DestinationStream } from "pino";
import pretty from "pino-pretty";

export type { Logger } from "pino";

export interface LoggerOptions {
  level: string;
  format: "json" | "pretty";
  /** Exact strings that must never be written, e.g. the bot token and webhook secret. */
  secrets?: (string | undefined)[];
  /** Where lines go; stdout by default. Tests pass a collecting stream. */
  destination?: DestinationStream;
}

const REDACTED = "[redacted]";

/** Anything shaped like a Telegram bot token, even one we were not told about. */
const TOKEN_PATTERN = /\d{5,}:[A-Za-z0-9_-]{30,}/g;

/** Field paths that hold secrets in the objects we log. */
const REDACT_PATHS = [
  "token",
  "*.token",
  "botToken",
  "*.botToken",
  "secret",
  "*.secret",
  "headers.authorization",
  "*.headers.authorization",
  'headers["x-telegram-bot-api-secret-token"]',
  '*.headers["x-telegram-bot-api-secret-token"]',
];

export function createLogger(options: LoggerOptions): Logger {
  const secrets = (options.secrets ?? []).filter((secret): secret is string => !!secret);
  const scrub = (line: string): string => {
    let clean = line.replace(TOKEN_PATTERN, REDACTED);
    for (const secret of secrets) clean = clean.split(secret).join(REDACTED);
    return clean;
  };
  const destination =
    options.destination ??
    (options.format === "pretty"
      ? pretty({ colorize: true, translateTime: "SYS:HH:MM:ss", ignore: "pid,hostname" })
      : pino.destination({ sync: false }));
  return pino(
    {
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      hooks: { streamWrite: scrub },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    },
    destination,
  );
}

/** A logger that writes nothing, for tests and tools. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
