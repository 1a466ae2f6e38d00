/**
 * The model kinds a cluster routes, one BullMQ queue each, and what travels with a job.
 * A kind is a manager model id: the bot's remote handle and the worker's local handle for
 * the same kind meet on the queue named after it.
 */
import type { JobEvent, WorkClass } from "../models/contract.js";
import { KIND_IDS, kindRow, resolveWorkerKinds, type KindId } from "../models/kinds/index.js";

/** Every kind of the model-kind table is routed. */
export const MODEL_KINDS = KIND_IDS;
export type ModelKind = KindId;

/**
 * WORKER_MODELS as kinds: "tts" means both voices, "asr" brings the VAD that runs before
 * Whisper; empty means every kind (the groups are the table's).
 */
export const resolveKinds = resolveWorkerKinds;

/** The queue of one kind, as the table names it. BullMQ adds its own `prefix:` in front. */
export function queueName(kind: ModelKind): string {
  return kindRow(kind)!.queue;
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
