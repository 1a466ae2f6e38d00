/**
 * Simulated API clients for `bench:api`: each sends a chat completion (the official `openai`
 * client, `maxRetries: 0`), a transcription (the same client) or an OCR request (plain
 * multipart `fetch`: the client has no method for it), waits for the answer, thinks a seeded
 * moment and sends the next, until the run's time is up. An answer is any HTTP status (a 429
 * is answered, and failed); "lost" is a request still unanswered at the deadline (the run's
 * end plus a grace period), which is then aborted.
 */
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import OpenAI, { APIError, toFile } from "openai";
import { percentile } from "./load-users.js";
import { mulberry32 } from "./trace.js";

export type ApiKind = "chat" | "asr" | "ocr";
export const API_KINDS: readonly ApiKind[] = ["chat", "asr", "ocr"];

/** How often each kind is sent: mostly chat, as API callers do. */
const MIX: readonly [ApiKind, number][] = [
  ["chat", 0.6],
  ["asr", 0.2],
  ["ocr", 0.2],
];

const QUESTIONS = [
  "What is the capital of France?",
  "Write a haiku about the sea.",
  "Сколько будет семь умножить на восемь?",
  "Give me three tips for a job interview.",
];

export interface ApiMedia {
  /** Short real speech (a WAV). */
  speech: Uint8Array;
  /** A small picture of a line of text (a PNG). */
  picture: Uint8Array;
}

export interface ApiRequest {
  kind: ApiKind;
  /** The HTTP status; undefined for a lost request or a network failure. */
  status?: number;
  /** Until the answer, for answered requests. */
  latencyMs?: number;
  lost?: boolean;
}

/** The bench's `openai` client: no retries, so every refusal is seen. */
export function apiClient(baseUrl: string, key: string): OpenAI {
  return new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: key, maxRetries: 0, timeout: 600_000 });
}

/** One request of `kind`; resolves with its status, throws on a network failure or an abort. */
async function send(
  kind: ApiKind,
  target: { client: OpenAI; baseUrl: string; key: string; media: ApiMedia },
  random: () => number,
  signal: AbortSignal,
): Promise<number> {
  const { client, media } = target;
  try {
    if (kind === "chat") {
      const content = QUESTIONS[Math.floor(random() * QUESTIONS.length)]!;
      await client.chat.completions.create(
        { model: "chat", messages: [{ role: "user", content }] },
        { signal },
      );
    } else if (kind === "asr") {
      const file = await toFile(media.speech, "speech.wav", { type: "audio/wav" });
      await client.audio.transcriptions.create({ file, model: "whisper-1" }, { signal });
    } else {
      const form = new FormData();
      form.append("file", new Blob([media.picture], { type: "image/png" }), "line.png");
      const response = await fetch(`${target.baseUrl}/v1/ocr`, {
        method: "POST",
        body: form,
        headers: { authorization: `Bearer ${target.key}` },
        signal,
      });
      await response.arrayBuffer();
      return response.status;
    }
    return 200;
  } catch (error) {
    if (error instanceof APIError && error.status !== undefined) return error.status;
    throw error;
  }
}

function pick(random: () => number): ApiKind {
  let roll = random();
  for (const [kind, share] of MIX) if ((roll -= share) < 0) return kind;
  return "chat";
}

/** Clients sending for `seconds`, each request awaited (up to the deadline) before the next. */
export class ApiRun {
  readonly requests: ApiRequest[] = [];
  private readonly endAt: number;
  private readonly deadline: number;

  constructor(
    private readonly target: { baseUrl: string; key: string; media: ApiMedia },
    private readonly timing: {
      seconds: number;
      graceS: number;
      seed: number;
      thinkMs: readonly [number, number];
    },
  ) {
    this.endAt = performance.now() + timing.seconds * 1000;
    this.deadline = this.endAt + timing.graceS * 1000;
  }

  /** Client number `index`: its own `openai` client and seeded choices and pauses. */
  async client(index: number): Promise<void> {
    const random = mulberry32(this.timing.seed * 100_003 + index);
    const [minMs, maxMs] = this.timing.thinkMs;
    const think = () => minMs + random() * (maxMs - minMs);
    const target = { ...this.target, client: apiClient(this.target.baseUrl, this.target.key) };
    // Clients arrive spread over one think time, not all in the same millisecond.
    let pause = random() * think();
    for (;;) {
      if (performance.now() + pause >= this.endAt) return;
      await sleep(pause);
      const kind = pick(random);
      const request: ApiRequest = { kind };
      this.requests.push(request);
      const signal = AbortSignal.timeout(Math.max(1, Math.ceil(this.deadline - performance.now())));
      const sentAt = performance.now();
      try {
        request.status = await send(kind, target, random, signal);
        request.latencyMs = performance.now() - sentAt;
      } catch {
        if (signal.aborted) request.lost = true;
      }
      if (request.lost) return;
      pause = think();
    }
  }
}

/** The sorted latencies of the requests of `kind` answered with 200. */
export function okLatencies(requests: readonly ApiRequest[], kind: ApiKind): number[] {
  return requests
    .filter((r) => r.kind === kind && r.status === 200)
    .map((r) => r.latencyMs!)
    .sort((a, b) => a - b);
}

/** Per kind: sent, answered, failed (by status; "net" for a network failure), lost, latencies. */
export function apiTable(requests: readonly ApiRequest[]): string[] {
  const lines = ["kind sent answered lost   p50_ms   p95_ms   max_ms  failed"];
  for (const kind of API_KINDS) {
    const mine = requests.filter((r) => r.kind === kind);
    const sorted = okLatencies(requests, kind);
    const ms = (value: number) => String(Math.round(value)).padStart(8);
    const failed = new Map<string, number>();
    for (const r of mine)
      if (!r.lost && r.status !== 200) {
        const key = r.status === undefined ? "net" : String(r.status);
        failed.set(key, (failed.get(key) ?? 0) + 1);
      }
    const failures = [...failed].map(([status, n]) => `${status}=${n}`).join(",") || "0";
    lines.push(
      `${kind.padEnd(4)} ${String(mine.length).padStart(4)} ` +
        `${String(mine.filter((r) => r.status !== undefined).length).padStart(8)} ` +
        `${String(mine.filter((r) => r.lost).length).padStart(4)} ` +
        `${ms(percentile(sorted, 50))} ${ms(percentile(sorted, 95))} ${ms(sorted.at(-1) ?? 0)}  ${failures}`,
    );
  }
  return lines;
}
