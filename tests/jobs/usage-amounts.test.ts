/**
 * The job layer records, with each request's owner, what it consumed: the audio seconds a
 * transcript covers, the pages read, a chat answer's tokens (prompt and answer). These are
 * what the API's daily quotas sum.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { apiKeyOwner, JobLayer, telegramOwner, type JobServices } from "../../src/jobs/index.js";
import { silentLogger } from "../../src/log/index.js";
import { Store } from "../../src/memory/index.js";
import type { DocumentResult } from "../../src/services/documents/index.js";
import type { Transcription } from "../../src/services/speech/index.js";
import { ManualClock } from "../../src/shared/clock.js";
import { InputError } from "../../src/shared/errors.js";

const KEY = apiKeyOwner("n8n");
const PERSON = telegramOwner({ id: 7, type: "private" }, 7);

function pdf(pages: number): DocumentResult {
  const read = Array.from({ length: pages }, (_, i) => ({
    page: i + 1,
    method: "ocr" as const,
    text: `page ${i + 1}`,
    language: "en" as const,
    ms: 1,
  }));
  return {
    kind: "pdf",
    pages: read,
    text: read.map((page) => page.text).join("\n"),
    language: "en",
    engine: "tesseract",
    fallback: false,
    totalPages: pages,
    skippedPages: 0,
    unreadablePages: [],
    normalized: false,
    timings: { totalMs: 1, ocrMs: 1, normalizeMs: 0 },
  };
}

function setup() {
  const clock = new ManualClock(Date.UTC(2025, 0, 31));
  const store = Store.open(":memory:", { now: () => clock.now() });
  const unused = () => assert.fail("not used");
  const services: JobServices = {
    chat: {
      reply: () => ({
        pieces: (async function* () {
          yield "answer";
        })(),
        done: Promise.resolve({
          text: "answer",
          tokens: 12,
          promptTokens: 30,
          ms: 1,
          historyTurns: 0,
          truncated: false,
        }),
      }),
      complete: unused,
      reset: unused,
    },
    tasks: { summarize: unused, translate: unused },
    speech: {
      transcribe: async (bytes) => {
        if (bytes[0] === 0) throw new InputError("audio.corrupt", "not audio");
        return {
          text: "hello",
          language: "en",
          durationS: 93.5,
          segments: [],
        } as unknown as Transcription;
      },
      synthesize: unused,
    },
    documents: { recognizeImage: unused, recognizePdf: async () => pdf(3) },
    vision: {
      table: async () => ({ rows: [["a"]], markdown: "| a |", csv: "a", truncated: false }),
      ask: unused,
      complete: unused,
      conversationImages: () => [],
    },
  };
  const jobs = new JobLayer({ services, stores: store, clock, logger: silentLogger() });
  return { jobs, store };
}

describe("usage amounts", () => {
  it("records audio seconds, pages and chat tokens per owner, and nothing for a failure", async () => {
    const { jobs, store } = setup();
    const audio = { bytes: new Uint8Array([1]) };
    await jobs.transcribe({ owner: KEY, input: audio, normalize: false });
    await assert.rejects(
      jobs.transcribe({ owner: KEY, input: { bytes: new Uint8Array([0]) }, normalize: false }),
    );
    await jobs.recognize({
      owner: KEY,
      input: { bytes: new Uint8Array([1]) },
      kind: "pdf",
      normalize: false,
      mode: "fast",
    });
    await jobs.table({ owner: KEY, input: { bytes: new Uint8Array([1]) } });
    const reply = jobs.answer({
      owner: PERSON,
      text: "hi",
      kind: "text",
      language: "en",
      plan: { route: "chat" },
    });
    for await (const piece of reply.pieces) assert.equal(piece, "answer");
    await reply.done;

    assert.deepEqual(store.usage.totalsOf("key:n8n", 0), {
      requests: 4,
      failures: 1,
      audioS: 93.5,
      pages: 4,
      tokens: 0,
    });
    assert.deepEqual(store.usage.totalsOf("tg:7", 0), {
      requests: 1,
      failures: 0,
      audioS: 0,
      pages: 0,
      tokens: 42,
    });
    assert.deepEqual(
      store.usage.byOwner("key:", 0).map((row) => row.owner),
      ["key:n8n"],
      "a Telegram person is no key",
    );
  });
});
