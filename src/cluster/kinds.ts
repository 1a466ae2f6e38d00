/**
 * The model kinds a cluster routes, one BullMQ queue each, and what travels with a job.
 * A kind is a manager model id: the bot's remote handle and the worker's local handle for
 * the same kind meet on the queue named after it.
 */
import type { JobEvent, WorkClass } from "../models/contract.js";

export const MODEL_KINDS = ["asr", "vad", "chat", "ocr", "tts-ru", "tts-en", "vision"] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/**
 * WORKER_MODELS as kinds: "tts" means both voices, "asr" brings the VAD that runs before
 * Whisper; empty means every kind.
 */
export function resolveKinds(names: readonly string[]): ModelKind[] {
  if (names.length === 0) return [...MODEL_KINDS];
  const kinds = new Set<ModelKind>();
  for (const name of names) {
    if (name === "tts") {
      kinds.add("tts-ru");
      kinds.add("tts-en");
    } else if (name === "asr") {
      kinds.add("asr");
      kinds.add("vad");
    } else if ((MODEL_KINDS as readonly string[]).includes(name)) kinds.add(name as ModelKind);
  }
  return [...kinds];
}

/** The queue of one kind. BullMQ adds its own `prefix:` in front. */
export function queueName(kind: ModelKind): string {
  return `jobs-${kind}`;
}

/**
 * BullMQ's keys of a kind's jobs waiting to be taken: a list for jobs without a priority,
 * a sorted set for jobs with one (all the bot's: the priority carries the class).
 */
export function waitingKeys(
  prefix: string,
  kind: ModelKind,
): { list: string; prioritized: string } {
  const queue = `${prefix}:${queueName(kind)}`;
  return { list: `${queue}:wait`, prioritized: `${queue}:prioritized` };
}

/** A job as stored in Redis. */
export interface WireJob {
  kind: ModelKind;
  /** The encoded input (see codec.ts). */
  payload: string;
  /** Whether the worker streams the generated text pieces back (chat and vision). */
  stream: boolean;
  /** Whose job it is and its class, so the worker's own model line is fair too. */
  owner: string;
  workClass: WorkClass;
}

/** What a worker reports while a job runs: a job event, or a piece of generated text. */
export type WireProgress = { event: JobEvent } | { text: string };
