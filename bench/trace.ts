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
 * - photos: a burst of 1–6 photos 2–10 s apart, read by OCR, or by the vision model for
 *   the users (30%) who chose "accurate"; half the users ask for normalization, which
 *   runs chat on each recognized text;
 * - photo question: a photo with a question answered by the vision model, then 0–3
 *   follow-up questions about it (vision again: the image stays in the conversation);
 * - chat: 2–8 typed turns;
 * - read aloud: 1–3 texts spoken (TTS).
 * Turns are 10–90 s apart (reading and typing). A dependent step (chat after ASR or OCR,
 * TTS after chat) arrives when the step before would finish if it ran at once: the
 * trace is open-loop, so the replay needs no feedback from the system under test.
 *
 * Run times per request (uniform in the ranges): OCR 2–6 s per photo; ASR a quarter of
 * the audio length, audio 3–60 s; chat 1.5–8 s; TTS 0.8–3 s; vision 4–15 s to read a
 * photo as Markdown (a page of text), 2–8 s to answer a question about one.
 */

/** The four tasks of the reference service, and the vision model. */
export type TraceModel = "ocr" | "asr" | "tts" | "chat" | "vision";

export interface ReferenceModel {
  id: TraceModel;
  bytes: number;
  loadMs: number;
}

const GB = 1e9;

/**
 * Footprints and load times of the reference service's models (a 16 GB GPU), and of the
 * `gpu` profile's vision model: Qwen3.5-2B q4f16 on CUDA, the catalogue's 2.6 GiB
 * (profiles.ts), loading in an estimated 4 s (three ONNX sessions: the chat model's rate of
 * about 1.1 s a GB, plus a second for the vision encoder's session).
 */
export const REFERENCE_MODELS: readonly ReferenceModel[] = [
  { id: "ocr", bytes: 6.5 * GB, loadMs: 8_000 },
  { id: "asr", bytes: 5.5 * GB, loadMs: 6_000 },
  { id: "tts", bytes: 2.5 * GB, loadMs: 2_000 },
  { id: "chat", bytes: 4.5 * GB, loadMs: 5_000 },
  { id: "vision", bytes: 2.8 * GB, loadMs: 4_000 },
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

export const SESSION_WEIGHTS = {
  voice: 0.35,
  photos: 0.2,
  photoQuestion: 0.1,
  chat: 0.25,
  readAloud: 0.1,
} as const;

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
  const readsAccurately = Array.from({ length: users }, () => random() < 0.3);

  const runMs: Record<TraceModel, () => number> = {
    ocr: () => uniform(2_000, 6_000),
    asr: () => uniform(3_000, 60_000) / 4,
    chat: () => uniform(1_500, 8_000),
    tts: () => uniform(800, 3_000),
    vision: () => uniform(2_000, 8_000),
  };
  const trace: TraceRequest[] = [];
  /** Adds a request; returns when it would finish if served at once. */
  const add = (at: number, userId: number, model: TraceModel, ms = runMs[model]()) => {
    const request = { at: Math.round(at), userId, model, runMs: Math.round(ms) };
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
        const done = readsAccurately[user]
          ? add(at, user, "vision", uniform(4_000, 15_000))
          : add(at, user, "ocr");
        if (normalizes[user]) add(done, user, "chat");
        at += uniform(2_000, 10_000);
      }
    },
    photoQuestion(start: number, user: number) {
      let at = start;
      for (let question = integer(1, 4); question > 0; question--)
        at = add(at, user, "vision") + think();
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
