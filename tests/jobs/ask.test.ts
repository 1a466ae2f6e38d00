/**
 * The job layer's questions about documents, over a real SQLite store and the real passage
 * index (full text), with the chat model faked: its answer is what the test says, so the
 * guard, the sources and the whole-text-or-passages choice are what is tested.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  JobLayer,
  MAX_QUESTION_CHARS,
  telegramOwner,
  type JobServices,
} from "../../src/jobs/index.js";
import { silentLogger } from "../../src/log/index.js";
import { Store } from "../../src/memory/index.js";
import type { ChatMessage } from "../../src/models/adapters/chat-qwen.js";
import type { DocumentResult } from "../../src/services/documents/index.js";
import { PassageIndex } from "../../src/services/qa/index.js";
import type { Transcription } from "../../src/services/speech/index.js";
import { ManualClock } from "../../src/shared/clock.js";

const ALICE = telegramOwner({ id: -100, type: "supergroup" }, 1);
const BOB = telegramOwner({ id: -100, type: "supergroup" }, 2);
const ELSEWHERE = telegramOwner({ id: 3, type: "private" }, 3);

const FILLER =
  "The committee reviewed routine matters of the quarter and agreed to meet again later.";
/** Twelve pages; page 9 alone says where the spare pumps are kept. */
function pdf(fillerSentences: number): DocumentResult {
  const pages = Array.from({ length: 12 }, (_, i) => {
    const text =
      i + 1 === 9
        ? "The spare pumps are kept in the Tver warehouse, hangar 14."
        : Array.from({ length: fillerSentences }, () => FILLER).join(" ");
    return { page: i + 1, method: "ocr" as const, text, language: "en" as const, ms: 1 };
  });
  return {
    kind: "pdf",
    pages,
    text: pages.map((page) => page.text).join("\n\n"),
    language: "en",
    engine: "tesseract",
    fallback: false,
    totalPages: 12,
    skippedPages: 0,
    unreadablePages: [],
    normalized: false,
    timings: { totalMs: 1, ocrMs: 1, normalizeMs: 0 },
  };
}

function setup(options: { contextTokens?: number; fillerSentences?: number } = {}) {
  const clock = new ManualClock(1_000);
  const store = Store.open(":memory:", { now: () => clock.now() });
  const prompts: ChatMessage[][] = [];
  let answer = "";
  const unused = () => assert.fail("not used");
  const services: JobServices = {
    chat: {
      reply: unused,
      reset: () => undefined,
      complete: (input) => {
        prompts.push([...input.messages]);
        async function* pieces() {
          yield answer;
        }
        return {
          pieces: pieces(),
          done: Promise.resolve({
            text: answer,
            tokens: 5,
            ms: 1,
            promptTokens: 100,
            historyTurns: 0,
            truncated: false,
          }),
        };
      },
    },
    tasks: { summarize: unused, translate: unused },
    speech: {
      transcribe: async () =>
        ({
          text: "Поезд прибывает на третий путь. Осенью в лесу много грибов и ягод.",
          rawText: "",
          normalized: false,
          language: "ru",
          durationS: 800,
          segments: [
            { startS: 12, endS: 19, text: "Поезд прибывает на третий путь." },
            { startS: 761, endS: 770, text: "Осенью в лесу много грибов и ягод." },
          ],
        }) as unknown as Transcription,
      synthesize: unused,
    },
    documents: {
      recognizeImage: unused,
      recognizePdf: async () => pdf(options.fillerSentences ?? 2),
    },
    vision: {
      table: unused,
      ask: unused,
      complete: unused,
      conversationImages: () => [],
    },
    index: new PassageIndex(store.passages),
  };
  const jobs = new JobLayer({
    services,
    stores: store,
    clock,
    logger: silentLogger(),
    ...(options.contextTokens === undefined ? {} : { contextTokens: options.contextTokens }),
  });
  return {
    jobs,
    store,
    prompts,
    answerWith: (text: string) => (answer = text),
  };
}

async function readPdf(jobs: JobLayer, owner = ALICE): Promise<number> {
  const read = await jobs.recognize({
    owner,
    input: { bytes: new Uint8Array([1]) },
    kind: "pdf",
    normalize: false,
    mode: "fast",
  });
  return read.resultId!;
}

describe("questions about a document", () => {
  it("answers from the whole text of a short document, with the page as its source", async () => {
    const { jobs, prompts, answerWith } = setup();
    const resultId = await readPdf(jobs);
    answerWith("The spare pumps are kept in the Tver warehouse, hangar 14.");
    const answer = await jobs.ask({
      owner: ALICE,
      resultId,
      question: "Where are the spare pumps kept?",
      language: "en",
    });
    assert.equal(answer.found, true);
    assert.equal(answer.text, "The spare pumps are kept in the Tver warehouse, hangar 14.");
    assert.deepEqual(answer.sources[0], {
      place: { page: 9 },
      quote: "The spare pumps are kept in the Tver warehouse, hangar 14.",
    });
    // Whole: every page went to the model, each labelled with its place.
    const sent = prompts[0]!.at(-1)!.content;
    for (const page of [1, 9, 12]) assert.match(sent, new RegExp(`\\[p\\. ${page}\\]`));
  });

  it("sends only the best passages of a document too long for the context", async () => {
    const { jobs, prompts, answerWith } = setup({ contextTokens: 200, fillerSentences: 6 });
    const resultId = await readPdf(jobs);
    answerWith("In the Tver warehouse, hangar 14.");
    const answer = await jobs.ask({
      owner: ALICE,
      resultId,
      question: "Where are the spare pumps kept?",
      language: "en",
    });
    assert.equal(answer.found, true);
    assert.deepEqual(answer.sources[0]!.place, { page: 9 });
    const sent = prompts[0]!.at(-1)!.content;
    assert.match(sent, /\[p\. 9\] The spare pumps/);
    assert.ok((sent.match(/\[p\. \d+\]/g) ?? []).length < 12, "not every page was sent");
  });

  it("says it couldn't find an answer the passages don't support, with the nearest places", async () => {
    const { jobs, answerWith } = setup();
    const resultId = await readPdf(jobs);
    for (const made of ["Hello! I am a tiny local model.", "In hangar 15.", "NOT FOUND"]) {
      answerWith(made);
      const answer = await jobs.ask({
        owner: ALICE,
        resultId,
        question: "Where are the spare pumps kept?",
        language: "en",
      });
      assert.equal(answer.found, false, made);
      assert.equal(answer.text, "");
      assert.deepEqual(answer.sources[0]!.place, { page: 9 }, made);
    }
  });

  it("refuses an empty question and one over the limit before any model work", async () => {
    const { jobs, prompts } = setup();
    const resultId = await readPdf(jobs);
    const tooLong = "why ".repeat(MAX_QUESTION_CHARS / 4) + "?";
    await assert.rejects(jobs.ask({ owner: ALICE, resultId, question: tooLong, language: "en" }), {
      code: "input.too_long",
    });
    await assert.rejects(jobs.ask({ owner: ALICE, resultId, question: "  ", language: "en" }), {
      code: "input.empty",
    });
    await assert.rejects(
      jobs.askAbout({
        owner: ALICE,
        document: { text: "The pumps are in hangar 14." },
        question: tooLong,
        language: "en",
      }),
      { code: "input.too_long" },
    );
    assert.equal(prompts.length, 0, "the chat model was never asked");
  });

  it("keeps the document for follow-ups until /reset or another file", async () => {
    const { jobs, answerWith } = setup();
    const resultId = await readPdf(jobs);
    answerWith("Hangar 14.");
    await jobs.ask({ owner: ALICE, resultId, question: "Which hangar?", language: "en" });
    const plan = await jobs.plan(ALICE, undefined, async () => new Uint8Array());
    assert.deepEqual(plan, { route: "document", resultId });
    const followUp = await jobs.ask({ owner: ALICE, question: "Which hangar?", language: "en" });
    assert.equal(followUp.resultId, resultId);
    jobs.reset(ALICE);
    await assert.rejects(jobs.ask({ owner: ALICE, question: "And?", language: "en" }), {
      code: "document.none",
    });
    assert.deepEqual(await jobs.plan(ALICE, undefined, async () => new Uint8Array()), {
      route: "chat",
    });
    jobs.chooseDocument(ALICE, resultId);
    await readPdf(jobs);
    await assert.rejects(jobs.ask({ owner: ALICE, question: "And?", language: "en" }), {
      code: "document.none",
    });
  });

  it("lets another member of the chat ask about a result, in their own thread only", async () => {
    const { jobs, answerWith } = setup();
    const resultId = await readPdf(jobs, ALICE);
    answerWith("Hangar 14.");
    const answer = await jobs.ask({
      owner: BOB,
      resultId,
      question: "Which hangar?",
      language: "en",
    });
    assert.equal(answer.found, true);
    await assert.rejects(jobs.ask({ owner: ALICE, question: "Which?", language: "en" }), {
      code: "document.none",
    });
    // Not from another chat.
    await assert.rejects(
      jobs.ask({ owner: ELSEWHERE, resultId, question: "Which hangar?", language: "en" }),
      { code: "document.gone" },
    );
  });

  it("tells a question about a deleted result that it is no longer stored", async () => {
    const { jobs, store } = setup();
    const resultId = await readPdf(jobs);
    jobs.chooseDocument(ALICE, resultId);
    store.forgetUser(ALICE.dialog.userId);
    await assert.rejects(jobs.ask({ owner: ALICE, question: "Which?", language: "en" }), {
      code: "document.gone",
    });
    // The document is let go: the next question is about no document.
    await assert.rejects(jobs.ask({ owner: ALICE, question: "Which?", language: "en" }), {
      code: "document.none",
    });
  });

  it("cites a recording by time code, and answers a Russian question in Russian", async () => {
    const { jobs, answerWith } = setup();
    const transcript = await jobs.transcribe({
      owner: ALICE,
      input: { bytes: new Uint8Array([1]) },
      normalize: false,
    });
    answerWith("Осенью в лесу много грибов и ягод.");
    const answer = await jobs.ask({
      owner: ALICE,
      resultId: transcript.resultId!,
      question: "Что много в лесу осенью?",
      language: "en",
    });
    assert.equal(answer.language, "ru");
    assert.equal(answer.found, true);
    assert.deepEqual(answer.sources[0]!.place, { startS: 761, endS: 770 });
  });
});
