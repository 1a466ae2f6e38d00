import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  apiKeyOwner,
  JobLayer,
  LONG_ANSWER_CHARS,
  telegramOwner,
  type JobServices,
  type PictureRef,
} from "../../src/jobs/index.js";
import { silentLogger } from "../../src/log/index.js";
import { Store } from "../../src/memory/index.js";
import type { Scheduling } from "../../src/models/contract.js";
import type { CompletionInput } from "../../src/services/chat/index.js";
import type { DocumentResult } from "../../src/services/documents/index.js";
import { InputError } from "../../src/shared/errors.js";
import { ManualClock } from "../../src/shared/clock.js";

const PRIVATE = telegramOwner({ id: 7, type: "private" }, 7);
const IN_GROUP = telegramOwner({ id: -100, type: "supergroup" }, 8);

function reading(text: string): DocumentResult {
  return {
    kind: "image",
    pages: [{ page: 1, method: "ocr", text, language: "en", ms: 1 }],
    text,
    language: "en",
    engine: "tesseract",
    fallback: false,
    totalPages: 1,
    skippedPages: 0,
    unreadablePages: [],
    normalized: false,
    timings: { totalMs: 1, ocrMs: 1, normalizeMs: 0 },
  };
}

function streamed(text: string) {
  async function* pieces() {
    yield text;
  }
  return {
    pieces: pieces(),
    done: Promise.resolve({ text, truncated: false, tokens: 1, promptTokens: 1 }),
  };
}

/** The job layer over fakes of the services that note each call's scheduling. */
function setup(earlier: PictureRef[] = []) {
  const clock = new ManualClock(1_000);
  const store = Store.open(":memory:", { now: () => clock.now() });
  const scheduled: (Scheduling & { call: string })[] = [];
  const note = (call: string, options: Scheduling = {}) =>
    scheduled.push({ call, owner: options.owner, workClass: options.workClass });
  const completed: CompletionInput[] = [];
  const asked: { question: string; pictures: string[]; language: string }[] = [];
  let readText = "Read text";
  let failRead: Error | undefined;
  const services: JobServices = {
    chat: {
      reply: (_input, options) => {
        note("chat", options);
        // The answer takes 40 ms of the clock.
        const done = clock
          .advance(40)
          .then(() => outcome({ text: "chat answer", truncated: false }));
        return { pieces: streamed("chat answer").pieces, done };
      },
      reset: () => undefined,
      complete: (input, options) => {
        note("complete", options);
        completed.push(input);
        return {
          pieces: streamed("completed").pieces,
          done: Promise.resolve({ ...outcome({ text: "completed", truncated: true }), tokens: 9 }),
        };
      },
    },
    tasks: {
      summarize: async (_text, _lang, options) => (note("summary", options), "short"),
      translate: async (_text, _to, options) => (note("translate", options), "translated"),
    },
    speech: {
      transcribe: async () => assert.fail("not used"),
      synthesize: async () => assert.fail("not used"),
    },
    documents: {
      recognizeImage: async (_bytes, options) => {
        note("ocr", options);
        if (failRead) throw failRead;
        return reading(readText);
      },
      recognizePdf: async () => assert.fail("not used"),
    },
    vision: {
      table: async () => assert.fail("not used"),
      ask: (input, options) => {
        note("vision", options);
        asked.push({
          question: input.question,
          pictures: input.pictures.map((picture) => Buffer.from(picture.bytes).toString()),
          language: input.language,
        });
        return streamed("vision answer");
      },
      complete: () => assert.fail("not used"),
      conversationImages: () => earlier,
    },
  };
  const jobs = new JobLayer({ services, stores: store, clock, logger: silentLogger() });
  return {
    jobs,
    store,
    scheduled,
    asked,
    completed,
    setRead: (text: string) => (readText = text),
    failReading: (error: Error) => (failRead = error),
  };
}

function outcome(reading: { text: string; truncated: boolean }) {
  return { ...reading, tokens: 1, ms: 1, promptTokens: 1, historyTurns: 0 };
}

/** A fetcher serving pictures by file id; others fail as Telegram would. */
const fetcher = (served: Record<string, string>) => async (ref: PictureRef) => {
  const bytes = served[ref.fileId];
  if (bytes === undefined) throw new Error(`file ${ref.fileId} is gone`);
  return Buffer.from(bytes);
};

async function drain(reply: { pieces: AsyncIterable<string> }): Promise<string> {
  let text = "";
  for await (const piece of reply.pieces) text += piece;
  return text;
}

describe("the job layer", () => {
  it("answers with the chat model when no picture is in context", async () => {
    const { jobs, scheduled } = setup();
    const plan = await jobs.plan(PRIVATE, undefined, fetcher({}));
    assert.deepEqual(plan, { route: "chat" });
    const reply = jobs.answer({ owner: PRIVATE, text: "hi", kind: "text", language: "en", plan });
    assert.equal(await drain(reply), "chat answer");
    assert.deepEqual(scheduled, [{ call: "chat", owner: "tg:7", workClass: "interactive" }]);
  });

  it("answers with the vision model about the sent picture and the conversation's earlier ones", async () => {
    const earlier = [
      { fileId: "old", uniqueId: "u-old" },
      { fileId: "gone", uniqueId: "u-gone" },
    ];
    const { jobs, asked } = setup(earlier);
    const sent = { fileId: "new", uniqueId: "u-new" };
    const plan = await jobs.plan(IN_GROUP, sent, fetcher({ new: "NEW", old: "OLD" }));
    assert.equal(plan.route, "vision");
    const reply = jobs.answer({
      owner: IN_GROUP,
      text: "что это?",
      kind: "text",
      language: "en",
      plan,
    });
    assert.equal(await drain(reply), "vision answer");
    // The newest two at most; a Russian question is answered in Russian whatever the person's language.
    assert.deepEqual(asked, [{ question: "что это?", pictures: ["NEW", "OLD"], language: "ru" }]);
  });

  it("leaves out an earlier picture that can't be fetched; with none left, the chat model answers", async () => {
    const { jobs } = setup([{ fileId: "gone", uniqueId: "u-gone" }]);
    assert.deepEqual(await jobs.plan(PRIVATE, undefined, fetcher({})), { route: "chat" });
  });

  it("fails the question when the sent picture can't be fetched", async () => {
    const { jobs } = setup();
    await assert.rejects(
      jobs.plan(PRIVATE, { fileId: "x", uniqueId: "x" }, fetcher({})),
      /file x is gone/,
    );
  });

  it("records one usage event per request, with its conversation, outcome and duration", async () => {
    const { jobs, store, failReading } = setup();
    const plan = await jobs.plan(IN_GROUP, undefined, fetcher({}));
    const reply = jobs.answer({ owner: IN_GROUP, text: "hi", kind: "text", language: "en", plan });
    await drain(reply);
    await reply.done;
    await jobs.summarize({ owner: IN_GROUP, text: "long text", lang: "en" });
    failReading(new InputError("image.corrupt", "broken"));
    await assert.rejects(
      jobs.recognize({
        owner: IN_GROUP,
        input: { bytes: new Uint8Array([1]) },
        kind: "image",
        normalize: false,
        mode: "fast",
      }),
      { code: "image.corrupt" },
    );
    const exported = store.exporter.export(8).usage;
    assert.deepEqual(
      exported.map(({ task, chatId, ok, errorCode }) => ({ task, chatId, ok, errorCode })),
      [
        { task: "chat", chatId: -100, ok: true, errorCode: null },
        { task: "summary", chatId: -100, ok: true, errorCode: null },
        { task: "ocr", chatId: -100, ok: false, errorCode: "image.corrupt" },
      ],
    );
    assert.equal(exported[0]!.durationMs, 40, "from the request to its end");
  });

  it("keeps read text as a result, and in a one-to-one conversation as a turn too", async () => {
    const { jobs, store } = setup();
    const read = (owner: typeof PRIVATE) =>
      jobs.recognize({
        owner,
        input: { bytes: new Uint8Array([1]) },
        kind: "image",
        normalize: false,
        mode: "fast",
        sourceFileId: "photo-1",
      });
    const inPrivate = await read(PRIVATE);
    const stored = store.results.get(inPrivate.resultId!);
    assert.equal(stored?.text, "Read text");
    assert.equal(stored?.sourceFileId, "photo-1");
    assert.deepEqual(
      store.history.recent(PRIVATE.dialog).map((turn) => [turn.kind, turn.text]),
      [["ocr", "Read text"]],
    );
    const inGroup = await read(IN_GROUP);
    assert.ok(inGroup.resultId !== undefined);
    assert.deepEqual(store.history.recent(IN_GROUP.dialog), [], "a group's read text is no turn");
  });

  it("keeps nothing for empty text, nor for an API key without a conversation", async () => {
    const { jobs, store, setRead, scheduled } = setup();
    const request = {
      input: { bytes: new Uint8Array([1]) },
      kind: "image" as const,
      normalize: false,
      mode: "fast" as const,
    };
    const keyed = await jobs.recognize({ owner: apiKeyOwner("scripts"), ...request });
    assert.equal(keyed.text, "Read text");
    assert.equal(keyed.resultId, undefined);
    assert.equal(scheduled.at(-1)?.owner, "key:scripts");
    setRead("   ");
    assert.equal((await jobs.recognize({ owner: PRIVATE, ...request })).resultId, undefined);
    assert.deepEqual(store.history.recent(PRIVATE.dialog), []);
  });

  it("keeps long answers only", () => {
    const { jobs, store } = setup();
    assert.equal(jobs.keepAnswer(PRIVATE, "short"), undefined);
    const id = jobs.keepAnswer(PRIVATE, "word ".repeat(LONG_ANSWER_CHARS / 5));
    assert.equal(store.results.get(id!)?.kind, "answer");
  });

  it("completes a conversation an API key sends whole: its limits, token counts, one usage event, no history", async () => {
    const { jobs, store, scheduled, completed } = setup();
    const messages = [{ role: "user" as const, text: "hi" }];
    const reply = jobs.complete({
      owner: apiKeyOwner("scripts"),
      messages,
      maxNewTokens: 9,
      temperature: 0.2,
    });
    assert.equal(await drain(reply), "completed");
    assert.deepEqual(await reply.done, {
      text: "completed",
      promptTokens: 1,
      completionTokens: 9,
      truncated: true,
    });
    assert.equal(reply.model, "chat");
    assert.deepEqual(completed, [
      { messages: [{ role: "user", content: "hi" }], maxNewTokens: 9, temperature: 0.2 },
    ]);
    assert.deepEqual(scheduled, [
      { call: "complete", owner: "key:scripts", workClass: "interactive" },
    ]);
    assert.deepEqual(
      store.usage.since(3_600_000).map(({ task, ok }) => ({ task, ok })),
      [{ task: "chat", ok: 1 }],
    );
  });

  it("runs a result button's task as interactive work of its owner", async () => {
    const { jobs, scheduled } = setup();
    await jobs.translate({ owner: IN_GROUP, text: "привет", to: "en" });
    assert.deepEqual(scheduled, [{ call: "translate", owner: "tg:8", workClass: "interactive" }]);
  });
});
