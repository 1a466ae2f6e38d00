/**
 * A seeded generator of bursty, mixed bot traffic for replaying against the model
 * manager (the benchmark) and for randomized tests.
 *
 * Traffic comes in user sessions. Session starts follow a two-state Poisson process:
 * busy periods (mean 20 min, a session every 45 s on average) alternate with quiet ones
 * (mean 30 min, a session every 4 min), which produces bursts and long idle gaps.
 * Session kinds (weights in {@link SESSION_WEIGHTS}):
 * - voice: a voice note (ASR) answered by chat, then 1–4 more turns, each a voice note
 *   or typed text (even odds) answered by chat; users who prefer voice replies (30%)
 *   get every answer spoken (TTS);
 * - photos: a burst of 1–6 photos 2–10 s apart (OCR); half the users ask for
 *   normalization, which runs chat on each recognized text;
 * - chat: 2–8 typed turns;
 * - read aloud: 1–3 texts spoken (TTS).
 * Turns are 10–90 s apart (reading and typing). A dependent step (chat after ASR or OCR,
 * TTS after chat) arrives when the step before would finish if it ran at once: the
 * trace is open-loop, so the replay needs no feedback from the system under test.
 *
 * Run times per request (uniform in the ranges): OCR 2–6 s per photo; ASR a quarter of
 * the audio length, audio 3–60 s; chat 1.5–8 s; TTS 0.8–3 s.
 */

/** The four tasks of the reference service. */
export type TraceModel = "ocr" | "asr" | "tts" | "chat";

export interface ReferenceModel {
  id: TraceModel;
  bytes: number;
  loadMs: number;
}

const GB = 1e9;

/** Footprints and load times of the reference service's models (a 16 GB GPU). */
export const REFERENCE_MODELS: readonly ReferenceModel[] = [
  { id: "ocr", bytes: 6.5 * GB, loadMs: 8_000 },
  { id: "asr", bytes: 5.5 * GB, loadMs: 6_000 },
  { id: "tts", bytes: 2.5 * GB, loadMs: 2_000 },
  { id: "chat", bytes: 4.5 * GB, loadMs: 5_000 },
];

export const REFERENCE_BUDGET_BYTES = 16 * GB;

export interface TraceRequest {
  /** Arrival time in ms from the start of the trace. */
  at: number;
  userId: number;
  model: TraceModel;
  /** How long the model takes to serve it once it runs. */
  runMs: number;
}

export interface TraceOptions {
  seed: number;
  /** Stop after about this many requests (the last session is kept whole). */
  requests: number;
  /** Distinct users sessions are drawn from. */
  users?: number;
}

export const SESSION_WEIGHTS = { voice: 0.35, photos: 0.2, chat: 0.35, readAloud: 0.1 } as const;

/** A small, fast, seeded PRNG (mulberry32): the same seed gives the same sequence. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Generates a trace sorted by arrival time. */
export function generateTrace(options: TraceOptions): TraceRequest[] {
  const random = mulberry32(options.seed);
  const users = options.users ?? 400;
  const uniform = (low: number, high: number) => low + (high - low) * random();
  const integer = (low: number, high: number) => Math.floor(uniform(low, high + 1));
  const exponential = (mean: number) => -mean * Math.log(1 - random());
  const prefersVoice = Array.from({ length: users }, () => random() < 0.3);
  const normalizes = Array.from({ length: users }, () => random() < 0.5);

  const runMs: Record<TraceModel, () => number> = {
    ocr: () => uniform(2_000, 6_000),
    asr: () => uniform(3_000, 60_000) / 4,
    chat: () => uniform(1_500, 8_000),
    tts: () => uniform(800, 3_000),
  };
  const trace: TraceRequest[] = [];
  /** Adds a request; returns when it would finish if served at once. */
  const add = (at: number, userId: number, model: TraceModel) => {
    const request = { at: Math.round(at), userId, model, runMs: Math.round(runMs[model]()) };
    trace.push(request);
    return request.at + request.runMs;
  };
  const think = () => uniform(10_000, 90_000);

  const sessions = {
    voice(start: number, user: number) {
      let at = start;
      const turns = integer(1, 5);
      for (let turn = 0; turn < turns; turn++) {
        if (turn === 0 || random() < 0.5) at = add(at, user, "asr");
        at = add(at, user, "chat");
        if (prefersVoice[user]) at = add(at, user, "tts");
        at += think();
      }
    },
    photos(start: number, user: number) {
      let at = start;
      for (let photo = integer(1, 6); photo > 0; photo--) {
        const done = add(at, user, "ocr");
        if (normalizes[user]) add(done, user, "chat");
        at += uniform(2_000, 10_000);
      }
    },
    chat(start: number, user: number) {
      let at = start;
      for (let turn = integer(2, 8); turn > 0; turn--) at = add(at, user, "chat") + think();
    },
    readAloud(start: number, user: number) {
      let at = start;
      for (let text = integer(1, 3); text > 0; text--) at = add(at, user, "tts") + think();
    },
  };
  const kinds = Object.entries(SESSION_WEIGHTS) as [keyof typeof sessions, number][];

  let now = 0;
  let busy = true;
  let periodEnds = exponential(20 * 60_000);
  while (trace.length < options.requests) {
    now += exponential(busy ? 45_000 : 240_000);
    while (now > periodEnds) {
      busy = !busy;
      periodEnds += exponential(busy ? 20 * 60_000 : 30 * 60_000);
    }
    let pick = random();
    const kind = kinds.find(([, weight]) => (pick -= weight) < 0)?.[0] ?? "chat";
    sessions[kind](now, integer(0, users - 1));
  }
  return trace.sort((a, b) => a.at - b.at);
}
