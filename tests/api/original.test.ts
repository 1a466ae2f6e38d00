/**
 * The original service's routes over real HTTP on loopback, with plain `fetch` and
 * multipart `FormData`, against the fixture models: tesseract reads pictures and PDFs, the
 * fixture Qwen chats and cleans text up, the fixture VLM reads tables. Bad input gets a
 * clear error in FastAPI's shape, and the server keeps serving.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { QWEN_ANSWER, VISION_TABLE } from "../../scripts/fixtures/index.js";
import { ENGLISH_LINE, textPdf, textPng } from "../e2e/media.js";
import { buildTiff, textTiffPage } from "../support/tiffs.js";
import { storeApiLimiter } from "../../src/api/key-limits.js";
import { apiApp } from "../../src/api/server.js";
import { JobLayer, type JobServices } from "../../src/jobs/index.js";
import { silentLogger } from "../../src/log/index.js";
import { Store } from "../../src/memory/index.js";
import { StatusService } from "../../src/services/status/index.js";
import { ManualClock } from "../../src/shared/clock.js";
import { KEYS, mapKeys, startTestApi, type ApiUnderTest } from "./support.js";

/** No rate limit, no quota: these tests are about the routes. */
const UNLIMITED = { ratePerMin: 0, dailyAudioMin: 0, dailyPages: 0, dailyTokens: 0 };

const TIMEOUT = { timeout: 120_000 };

interface Detail {
  detail: string;
}
interface Health {
  status: string;
  device: string;
  memory: { budget_bytes: number };
  models_loaded: Record<string, boolean>;
}
interface Extracted {
  status: string;
  text: string;
  normalized: boolean;
  normalized_text: string | null;
  filename: string;
  content_type: string;
  pages: number;
  skipped_pages: number;
}
interface ModelInfo {
  id: string;
  device: string;
  footprint_bytes: number;
  loaded: boolean;
}

/** One request; the JSON body it answered with, as the test expects it (text when not JSON). */
async function call<Body = Detail>(
  api: ApiUnderTest,
  route: string,
  init: RequestInit & { key?: string | null } = {},
): Promise<{ status: number; body: Body; headers: Headers }> {
  const { key = KEYS.user, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (key) headers.set("authorization", `Bearer ${key}`);
  const response = await fetch(api.url + route, { ...rest, headers });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: response.status, body: body as Body, headers: response.headers };
}

function form(bytes: Uint8Array, name: string, type: string, field = "file"): FormData {
  const data = new FormData();
  data.set(field, new Blob([bytes], { type }), name);
  return data;
}

/** The form as a stream: fetch sends it chunked, without a Content-Length. */
function streamed(data: FormData): RequestInit {
  const encoded = new Response(data);
  return {
    body: encoded.body,
    headers: { "content-type": encoded.headers.get("content-type")! },
    duplex: "half",
  } as RequestInit;
}

const json = (value: unknown): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(value),
});

const words = (text: string): string[] => text.toLowerCase().match(/[a-z]+/g) ?? [];

describe("the original routes", () => {
  let api: ApiUnderTest;
  before(async () => {
    api = await startTestApi({ API_MAX_DOCUMENT_MB: "2", API_MAX_JSON_MB: "8" });
  });
  after(() => api?.close());

  /** The server still answers after a refusal. */
  async function stillServing() {
    const health = await call(api, "/health", { key: null });
    assert.equal(health.status, 200);
  }

  test("/health is public: status, device, memory and every kind's loaded flag", async () => {
    const { status, body } = await call<Health>(api, "/health", { key: null });
    assert.equal(status, 200);
    assert.equal(body.status, "healthy");
    assert.match(body.device, /cpu/);
    assert.ok(body.memory.budget_bytes > 0);
    assert.deepEqual(Object.keys(body.models_loaded).sort(), [
      "asr",
      "chat",
      "ocr",
      "tts",
      "vision",
    ]);
  });

  test("/openapi.json and /docs are public; /docs loads Swagger UI from this server", async () => {
    const spec = await call<{ openapi: string; paths: Record<string, unknown> }>(
      api,
      "/openapi.json",
      { key: null },
    );
    assert.equal(spec.status, 200);
    assert.equal(spec.body.openapi, "3.1.0");
    for (const route of [
      "/health",
      "/models/status",
      "/ocr/extract-text",
      "/chat/simple",
      "/{kind}/model-info",
      "/{kind}/reload-model",
      "/table/extract",
      "/documents/ask",
    ])
      assert.ok(spec.body.paths[route], `${route} is in the document`);
    const page = await call<string>(api, "/docs", { key: null });
    assert.equal(page.status, 200);
    assert.match(page.body, /swagger-ui-bundle\.js/);
    const script = await fetch(`${api.url}/docs/assets/swagger-ui-bundle.js`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get("content-type") ?? "", /javascript/);
    assert.ok((await script.arrayBuffer()).byteLength > 100_000);
    assert.equal((await call(api, "/docs/assets/package.json", { key: null })).status, 404);
  });

  test("no key, a wrong key and a revoked key: 401 with why", async () => {
    const none = await call(api, "/models/status", { key: null });
    assert.equal(none.status, 401);
    assert.match(none.body.detail, /API key is required/);
    const wrong = await call(api, "/models/status", { key: "sk-nope" });
    assert.equal(wrong.status, 401);
    assert.match(wrong.body.detail, /not valid/);
    const revoked = await call(api, "/models/status", { key: KEYS.revoked });
    assert.equal(revoked.status, 401);
    assert.match(revoked.body.detail, /revoked/);
    await stillServing();
  });

  test(
    "/documents/ask answers from a PDF or a text, with its sources, or says it can't",
    TIMEOUT,
    async () => {
      interface Answer {
        found: boolean;
        answer: string;
        sources: { page?: number; quote: string }[];
        language: string;
        status: string;
      }
      // The fixture model always answers QWEN_ANSWER: page 2 says just that.
      const pdf = await textPdf([{ text: "Minutes of the harbour board" }, { text: QWEN_ANSWER }]);
      const withFile = form(pdf, "minutes.pdf", "application/pdf");
      withFile.set("question", "What does the model say?");
      const fromPdf = await call<Answer>(api, "/documents/ask", { method: "POST", body: withFile });
      assert.equal(fromPdf.status, 200, JSON.stringify(fromPdf.body));
      assert.equal(fromPdf.body.found, true);
      assert.equal(fromPdf.body.answer, QWEN_ANSWER);
      // The quote is the sentence that shares most words with the answer.
      assert.deepEqual(fromPdf.body.sources, [{ page: 2, quote: "I am a tiny local model." }]);

      const withText = new FormData();
      withText.set("text", "The harbour board meets on Mondays. Cranes are painted yellow.");
      withText.set("question", "What colour are the cranes?");
      const unsupported = await call<Answer>(api, "/documents/ask", {
        method: "POST",
        body: withText,
      });
      assert.equal(unsupported.status, 200, JSON.stringify(unsupported.body));
      assert.equal(unsupported.body.found, false);
      assert.equal(unsupported.body.answer, "");
      assert.deepEqual(unsupported.body.sources, [{ quote: "Cranes are painted yellow." }]);

      const neither = new FormData();
      neither.set("question", "What?");
      const refused = await call(api, "/documents/ask", { method: "POST", body: neither });
      assert.equal(refused.status, 400);
      assert.match(refused.body.detail, /either a file or a text/);
      await stillServing();
    },
  );

  test("/ocr/extract-text reads a picture", TIMEOUT, async () => {
    const png = await textPng(ENGLISH_LINE);
    const { status, body } = await call<Extracted>(api, "/ocr/extract-text", {
      method: "POST",
      body: form(png, "line.png", "image/png"),
    });
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.status, "success");
    assert.deepEqual(words(body.text), words(ENGLISH_LINE));
    assert.equal(body.normalized, false);
    assert.equal(body.normalized_text, null);
    assert.equal(body.filename, "line.png");
    assert.equal(body.content_type, "image/png");
    assert.equal(body.pages, 1);
  });

  test("/ocr/extract-text?normalize=true reads a PDF and cleans its text up", TIMEOUT, async () => {
    const pdf = await textPdf([{ text: ENGLISH_LINE }, { scanned: "Second page here" }]);
    const { status, body } = await call<Extracted>(api, "/ocr/extract-text?normalize=true", {
      method: "POST",
      body: form(pdf, "two-pages.pdf", "application/pdf"),
    });
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.pages, 2);
    assert.equal(body.skipped_pages, 0);
    assert.equal(body.normalized, true);
    assert.equal(typeof body.normalized_text, "string");
    assert.ok(words(body.text).includes("fox"), body.text);
    assert.ok(words(body.text).includes("second"), body.text);
  });

  test("/ocr/extract-text and /v1/ocr read every page of a multi-page TIFF", TIMEOUT, async () => {
    const tiff = buildTiff([
      await textTiffPage([ENGLISH_LINE]),
      await textTiffPage(["Second page here"]),
      { width: 400, height: 100, corrupt: true },
    ]);
    const original = await call<Extracted & { unreadable_pages: number[] }>(
      api,
      "/ocr/extract-text",
      { method: "POST", body: form(tiff, "fax.tiff", "image/tiff") },
    );
    const v1 = await call<{ text: string; pages: number; unreadable_pages: number[] }>(
      api,
      "/v1/ocr",
      { method: "POST", body: form(tiff, "fax.tiff", "image/tiff") },
    );
    for (const { status, body } of [original, v1]) {
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.pages, 3);
      assert.deepEqual(body.unreadable_pages, [3]);
      assert.ok(words(body.text).includes("fox"), body.text);
      assert.ok(words(body.text).includes("second"), body.text);
    }
    assert.equal(original.body.skipped_pages, 0);
  });

  test("/chat/simple answers with the chat model and remembers nothing", TIMEOUT, async () => {
    const first = await call<unknown>(api, "/chat/simple", json({ message: "Привет! Как дела?" }));
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(first.body, { response: QWEN_ANSWER, status: "success", truncated: false });
    const capped = await call<{ truncated: boolean }>(
      api,
      "/chat/simple",
      json({ message: "Hi", system_prompt: "Be brief.", max_new_tokens: 2, temperature: 0.5 }),
    );
    assert.equal(capped.status, 200, JSON.stringify(capped.body));
    assert.equal(capped.body.truncated, true);
    const bad = await call(api, "/chat/simple", json({ message: " ", temperature: 3 }));
    assert.equal(bad.status, 400);
    assert.match(bad.body.detail, /message/);
    assert.match(bad.body.detail, /temperature/);
  });

  test("/table/extract turns a picture into a table with the vision model", TIMEOUT, async () => {
    const png = await textPng("Month Sales");
    const { status, body } = await call<{ status: string; rows: string[][]; markdown: string }>(
      api,
      "/table/extract",
      {
        method: "POST",
        body: form(png, "chart.png", "image/png"),
      },
    );
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.status, "success");
    assert.deepEqual(body.rows[0], ["Month", "Sales"]);
    assert.equal(body.markdown.trim().split("\n").length, VISION_TABLE.trim().split("\n").length);
  });

  test("model-info, models/status, and reload-model for admins only", TIMEOUT, async () => {
    assert.equal((await call(api, "/chat/simple", json({ message: "load" }))).status, 200);
    const info = await call<{ loaded: boolean; models: ModelInfo[] }>(api, "/chat/model-info");
    assert.equal(info.status, 200);
    assert.equal(info.body.loaded, true);
    const [chat] = info.body.models;
    assert.equal(chat?.id, "chat");
    assert.equal(chat.device, "cpu");
    assert.ok(chat.footprint_bytes > 0);
    const tts = await call<{ models: ModelInfo[] }>(api, "/tts/model-info");
    assert.deepEqual(
      tts.body.models.map((model) => model.id),
      ["tts-ru", "tts-en"],
    );
    const status = await call<{ models: Record<string, ModelInfo>; settings: unknown }>(
      api,
      "/models/status",
    );
    assert.equal(status.body.models.chat?.loaded, true);
    assert.deepEqual(status.body.settings, {
      lazy_loading: true,
      auto_unload: true,
      auto_unload_timeout_minutes: 5,
    });

    const refused = await call(api, "/chat/reload-model", { method: "POST" });
    assert.equal(refused.status, 403);
    assert.match(refused.body.detail, /admin/);
    const reloaded = await call<{ message: string }>(api, "/chat/reload-model", {
      method: "POST",
      key: KEYS.admin,
    });
    assert.equal(reloaded.status, 200);
    assert.match(reloaded.body.message, /unloaded/);
    assert.equal((await call<ModelInfo>(api, "/chat/model-info")).body.loaded, false);
    const again = await call<{ message: string }>(api, "/chat/reload-model", {
      method: "POST",
      key: KEYS.admin,
    });
    assert.match(again.body.message, /not loaded/);
    // The next request loads it afresh.
    assert.equal((await call(api, "/chat/simple", json({ message: "again" }))).status, 200);
    assert.equal((await call<ModelInfo>(api, "/chat/model-info")).body.loaded, true);
    const unknown = await call(api, "/gpu/reload-model", { method: "POST", key: KEYS.admin });
    assert.equal(unknown.status, 400);
  });

  test("bad input: each refused clearly, and the server keeps serving", TIMEOUT, async () => {
    const refusals: [string, Promise<{ status: number; body: Detail }>, number, RegExp][] = [
      [
        "wrong content type for an upload",
        call(api, "/ocr/extract-text", {
          method: "POST",
          headers: { "content-type": "text/plain" },
          body: "hello",
        }),
        415,
        /multipart\/form-data.*text\/plain/,
      ],
      [
        "a form for a JSON route",
        call(api, "/chat/simple", { method: "POST", body: form(new Uint8Array(1), "a", "") }),
        415,
        /application\/json/,
      ],
      [
        "no file field",
        call(api, "/ocr/extract-text", {
          method: "POST",
          body: form(new Uint8Array(4), "a.png", "image/png", "upload"),
        }),
        400,
        /file/,
      ],
      [
        "a 0-byte file",
        call(api, "/ocr/extract-text", {
          method: "POST",
          body: form(new Uint8Array(0), "empty.png", "image/png"),
        }),
        400,
        /empty/,
      ],
      [
        "a corrupt PDF",
        call(api, "/ocr/extract-text", {
          method: "POST",
          body: form(
            Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.alloc(4000, 7)]),
            "broken.pdf",
            "application/pdf",
          ),
        }),
        400,
        /PDF/i,
      ],
      [
        "a file of another type",
        call(api, "/ocr/extract-text", {
          method: "POST",
          body: form(Buffer.from("just words"), "notes.txt", "text/plain"),
        }),
        415,
        /picture or a PDF/,
      ],
      [
        "invalid JSON",
        call(api, "/chat/simple", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: '{"message": "hi",',
        }),
        400,
        /JSON/,
      ],
      [
        "JSON of 10 MB",
        call(api, "/chat/simple", json({ message: "x".repeat(10 * 2 ** 20) })),
        413,
        /8 MB \(API_MAX_JSON_MB\)/,
      ],
      [
        "an upload over the limit",
        call(api, "/ocr/extract-text", {
          method: "POST",
          body: form(new Uint8Array(3 * 2 ** 20), "big.png", "image/png"),
        }),
        413,
        /2 MB \(API_MAX_DOCUMENT_MB\)/,
      ],
      [
        "an upload over the limit, streamed without a length",
        call(api, "/ocr/extract-text", {
          method: "POST",
          ...streamed(form(new Uint8Array(3 * 2 ** 20), "big.png", "image/png")),
        }),
        413,
        /2 MB \(API_MAX_DOCUMENT_MB\)/,
      ],
      ["an unknown route", call(api, "/nothing/here"), 404, /no such route/],
    ];
    for (const [what, request, status, detail] of refusals) {
      const answer = await request;
      assert.equal(answer.status, status, `${what}: ${JSON.stringify(answer.body)}`);
      assert.equal(typeof answer.body.detail, "string", `${what}: FastAPI's shape`);
      assert.match(answer.body.detail, detail, what);
    }
    await stillServing();
    const png = await textPng(ENGLISH_LINE);
    const read = await call(api, "/ocr/extract-text", {
      method: "POST",
      body: form(png, "line.png", "image/png"),
    });
    assert.equal(read.status, 200, "work goes on after the refusals");
    const readStreamed = await call(api, "/ocr/extract-text", {
      method: "POST",
      ...streamed(form(png, "line.png", "image/png")),
    });
    assert.equal(readStreamed.status, 200, "an upload without a length is read too");
  });
});

describe("reload-model where the models run on workers (ROLE=bot)", () => {
  test("answers 409: the workers own the models", async () => {
    const store = Store.open(":memory:");
    const status = new StatusService({
      stats: () => ({
        budgetBytes: 0,
        inUseBytes: 0,
        reservedBytes: 0,
        peakBytes: 0,
        pendingLoads: [],
        models: [],
      }),
      store,
      clock: new ManualClock(),
      startedAt: 0,
      device: "cluster (workers over Redis)",
    });
    const jobs = new JobLayer({
      services: {} as JobServices,
      stores: store,
      clock: new ManualClock(),
      logger: silentLogger(),
    });
    const limit = (setting: string) => ({ bytes: 1, setting });
    const app = apiApp({
      keys: mapKeys(),
      logger: silentLogger(),
      version: "test",
      limiter: storeApiLimiter(store, UNLIMITED, new ManualClock()),
      bodyLimits: { document: limit("D"), audio: limit("A"), json: limit("J") },
      v1: { jobs, models: [], readingMode: "fast" },
      original: {
        jobs,
        status,
        deadline: { timeoutMs: 1_000, clock: new ManualClock() },
        readingMode: "fast",
        settings: { idleUnloadMs: 0, pdfMaxPages: 1 },
      },
    });
    const response = await app.request("/ocr/reload-model", {
      method: "POST",
      headers: { authorization: `Bearer ${KEYS.admin}` },
    });
    assert.equal(response.status, 409);
    const { detail } = (await response.json()) as Detail;
    assert.match(detail, /ROLE=bot.*workers own them.*restart the worker that serves ocr/);
    store.close();
  });
});

describe("the API server's start", () => {
  test("refuses a non-loopback host while no API key exists, naming the fix", async () => {
    const noKeys = {
      check: () => ({ ok: false as const, reason: "unknown" as const }),
      hasKeys: () => false,
    };
    await assert.rejects(
      startTestApi({ API_HOST: "0.0.0.0" }, noKeys),
      /API_HOST=0\.0\.0\.0 is not a loopback address.*npm run keys -- add NAME/s,
    );
  });
});
