/**
 * `/v1` and the original speech routes against the official `openai` client: the real app
 * (createApiApp) on a loopback port, over the real job layer, services and fixture models
 * (MODEL_PROFILE=fixture, loaded through the app's own path), real ffmpeg. The key store is
 * another lane's: a KeyVerifier over a Map stands in for it.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { serve, type ServerType } from "@hono/node-server";
import OpenAI, { toFile } from "openai";
import { createApiApp } from "../../src/api/app.js";
import type { KeyVerifier } from "../../src/api/auth.js";
import { speechRoutes } from "../../src/api/speech-routes.js";
import { offeredModels, v1Routes } from "../../src/api/v1/index.js";
import { buildModels, type ModelSet } from "../../src/app/models.js";
import { buildJobLayer } from "../../src/app/services.js";
import { loadConfig } from "../../src/config/index.js";
import { apiKeyOwner } from "../../src/jobs/index.js";
import { silentLogger } from "../../src/log/index.js";
import { Store } from "../../src/memory/index.js";
import { systemClock } from "../../src/shared/clock.js";
import { textPng } from "../support/text-images.js";

const KEY = "sk-test-contract";
const SPEECH = "/work/shared/data/real/jfk.wav";
const FIXTURE_ANSWER = "Hello! I am a tiny local model.";

/** Duration and mean volume (dB) of audio, as ffmpeg decodes it. */
function decodeStats(
  bytes: Uint8Array,
  inputArgs: string[] = [],
): { seconds: number; meanDb: number } {
  const file = path.join(
    os.tmpdir(),
    `v1-audio-${process.pid}-${Math.random().toString(36).slice(2)}`,
  );
  fs.writeFileSync(file, bytes);
  try {
    const { stderr } = spawnSync(
      "ffmpeg",
      ["-hide_banner", ...inputArgs, "-i", file, "-af", "volumedetect", "-f", "null", "-"],
      { encoding: "utf8" },
    );
    const mean = /mean_volume: (-?[\d.]+) dB/.exec(stderr);
    const times = [...stderr.matchAll(/time=(\d+):(\d+):([\d.]+)/g)].at(-1);
    if (!mean || !times) throw new Error(`ffmpeg could not decode: ${stderr}`);
    return {
      seconds: Number(times[1]) * 3600 + Number(times[2]) * 60 + Number(times[3]),
      meanDb: Number(mean[1]),
    };
  } finally {
    fs.rmSync(file, { force: true });
  }
}

function parseSrtTimes(srt: string): [number, number][] {
  const toS = (t: string) => {
    const [h, m, s] = t.replace(",", ".").split(":").map(Number) as [number, number, number];
    return h * 3600 + m * 60 + s;
  };
  return [...srt.matchAll(/(\d\d:\d\d:\d\d[,.]\d{3}) --> (\d\d:\d\d:\d\d[,.]\d{3})/g)].map((m) => [
    toS(m[1]!),
    toS(m[2]!),
  ]);
}

describe("/v1 with the openai client", () => {
  let dir: string;
  let store: Store;
  let models: ModelSet;
  let server: ServerType;
  let baseURL: string;
  let client: OpenAI;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "v1-contract-"));
    const config = loadConfig({
      BOT_TOKEN: "4242424242:E2E-test-token-0123456789abcdef",
      MODEL_PROFILE: "fixture",
      DATA_DIR: dir,
      MODELS_DIR: path.join(dir, "models"),
    });
    const logger = silentLogger();
    store = Store.open(config.databasePath);
    models = buildModels(config, { store, logger, clock: systemClock });
    const { jobs } = buildJobLayer(config, { models, store, logger, clock: systemClock });
    const keyMap = new Map([
      [KEY, { name: "contract", admin: false, owner: apiKeyOwner("contract") }],
    ]);
    const keys: KeyVerifier = {
      check: (secret) => {
        const caller = keyMap.get(secret);
        return caller ? { ok: true, caller } : { ok: false, reason: "unknown" };
      },
      hasKeys: () => true,
    };
    const app = createApiApp({
      keys,
      logger,
      version: "test",
      groups: [
        {
          path: "/v1",
          shape: "openai",
          routes: v1Routes({
            jobs,
            models: offeredModels(models.profile.models),
            readingMode: "fast",
          }),
        },
        { path: "/", shape: "fastapi", routes: speechRoutes({ jobs }) },
      ],
    });
    server = await new Promise<ServerType>((resolve) => {
      const started = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () =>
        resolve(started),
      );
    });
    baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = new OpenAI({ baseURL: `${baseURL}/v1`, apiKey: KEY, maxRetries: 0 });
  });

  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await models.manager.shutdown(5_000);
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("lists the models, and answers an unknown one with NotFoundError", async () => {
    const list = await client.models.list();
    const ids = list.data.map((model) => model.id);
    assert.ok(ids.includes("fixture/qwen3_5") && ids.includes("fixture/whisper"), ids.join());
    await assert.rejects(
      client.chat.completions.create({
        model: "no-such-model",
        messages: [{ role: "user", content: "hi" }],
      }),
      (error) => error instanceof OpenAI.NotFoundError && error.code === "model_not_found",
    );
  });

  it("refuses a wrong key with AuthenticationError", async () => {
    const wrong = new OpenAI({ baseURL: `${baseURL}/v1`, apiKey: "sk-wrong", maxRetries: 0 });
    await assert.rejects(wrong.models.list(), OpenAI.AuthenticationError);
  });

  it("answers a chat plainly, with usage", async () => {
    const answer = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hello?" },
      ],
      max_tokens: 64,
      temperature: 0,
    });
    assert.equal(answer.choices[0]!.message.content, FIXTURE_ANSWER);
    assert.equal(answer.choices[0]!.finish_reason, "stop");
    assert.ok(answer.usage!.prompt_tokens > 0 && answer.usage!.completion_tokens > 0);
    assert.equal(
      answer.usage!.total_tokens,
      answer.usage!.prompt_tokens + answer.usage!.completion_tokens,
    );
  });

  it("says finish_reason length when the answer is cut at max_completion_tokens", async () => {
    const answer = await client.chat.completions.create({
      model: "fixture/qwen3_5",
      messages: [{ role: "user", content: "Hello?" }],
      max_completion_tokens: 2,
    });
    assert.equal(answer.choices[0]!.finish_reason, "length");
    assert.ok(answer.usage!.completion_tokens <= 2);
  });

  it("streams a chat as chunks ending with usage", async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Hello?" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      assert.equal(chunk.object, "chat.completion.chunk");
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    assert.equal(text, FIXTURE_ANSWER);
    assert.equal(finish, "stop");
    assert.ok(usage && usage.completion_tokens > 0);
  });

  it("answers about a picture sent as a data URL with the vision model; refuses a remote URL", async () => {
    const png = await textPng(["A red square"]);
    const answer = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is in this picture?" },
            {
              type: "image_url",
              image_url: { url: `data:image/png;base64,${png.toString("base64")}` },
            },
          ],
        },
      ],
    });
    assert.equal(answer.model, "fixture/qwen3_5-vl");
    assert.ok(answer.choices[0]!.message.content!.length > 0);
    await assert.rejects(
      client.chat.completions.create({
        model: "gpt-4o-mini",
        messages: [
          {
            role: "user",
            content: [{ type: "image_url", image_url: { url: "https://example.com/a.png" } }],
          },
        ],
      }),
      (error) =>
        error instanceof OpenAI.BadRequestError && /does not fetch URLs/.test(error.message),
    );
  });

  it("transcribes speech in every response_format", async () => {
    const file = () => toFile(fs.readFileSync(SPEECH), "jfk.wav", { type: "audio/wav" });
    const json = await client.audio.transcriptions.create({
      model: "whisper-1",
      file: await file(),
    });
    assert.ok(json.text.length > 0);
    const text = await client.audio.transcriptions.create({
      model: "whisper-1",
      file: await file(),
      response_format: "text",
    });
    assert.equal(String(text).trim(), json.text);
    const verbose = await client.audio.transcriptions.create({
      model: "whisper-1",
      file: await file(),
      response_format: "verbose_json",
      timestamp_granularities: ["segment"],
    });
    assert.ok(verbose.duration > 10 && verbose.duration < 12, String(verbose.duration));
    assert.equal(typeof verbose.language, "string");
    const segments = verbose.segments!;
    assert.ok(segments.length > 0);
    segments.forEach((segment, index) => {
      assert.equal(segment.id, index);
      assert.ok(
        segment.start >= 0 && segment.start < segment.end && segment.end <= verbose.duration,
      );
      if (index > 0) assert.ok(segment.start >= segments[index - 1]!.start);
    });
    for (const format of ["srt", "vtt"] as const) {
      const subtitles = String(
        await client.audio.transcriptions.create({
          model: "whisper-1",
          file: await file(),
          response_format: format,
        }),
      );
      if (format === "vtt") assert.ok(subtitles.startsWith("WEBVTT"));
      const times = parseSrtTimes(subtitles);
      assert.equal(times.length, segments.length, subtitles);
      times.forEach(([start, end], index) => {
        assert.ok(
          Math.abs(start - segments[index]!.start) < 0.002 &&
            Math.abs(end - segments[index]!.end) < 0.002,
        );
      });
    }
    await assert.rejects(
      client.audio.transcriptions.create({
        model: "whisper-1",
        file: await file(),
        response_format: "verbose_json",
        timestamp_granularities: ["word"],
      }),
      (error) => error instanceof OpenAI.BadRequestError && /word timestamps/.test(error.message),
    );
  });

  it("streams a transcription as delta and done events", async () => {
    const stream = await client.audio.transcriptions.create({
      model: "gpt-4o-transcribe",
      file: await toFile(fs.readFileSync(SPEECH), "jfk.wav"),
      stream: true,
    });
    let deltas = "";
    let done = "";
    for await (const event of stream) {
      if (event.type === "transcript.text.delta") deltas += event.delta;
      if (event.type === "transcript.text.done") done = event.text;
    }
    assert.ok(done.length > 0);
    assert.equal(deltas.trim(), done);
  });

  it("refuses random bytes as audio with BadRequestError", async () => {
    const noise = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    await assert.rejects(
      client.audio.transcriptions.create({
        model: "whisper-1",
        file: await toFile(noise, "noise.mp3"),
      }),
      OpenAI.BadRequestError,
    );
  });

  it("speaks in every response_format, with the right content type", async () => {
    const types = {
      mp3: "audio/mpeg",
      opus: "audio/ogg",
      wav: "audio/wav",
      flac: "audio/flac",
      pcm: "audio/L16",
    };
    for (const [format, type] of Object.entries(types) as [keyof typeof types, string][]) {
      const response = await client.audio.speech.create({
        model: "tts-1",
        voice: "alloy",
        input: "Hello there, this is a test of the voice.",
        response_format: format,
      });
      assert.ok(response.headers.get("content-type")!.startsWith(type), format);
      const bytes = new Uint8Array(await response.arrayBuffer());
      const rate = response.headers.get("x-sample-rate")!;
      const stats = decodeStats(
        bytes,
        format === "pcm" ? ["-f", "s16le", "-ar", rate, "-ac", "1"] : [],
      );
      assert.ok(stats.seconds > 0.5, `${format}: ${stats.seconds} s`);
      assert.ok(stats.meanDb > -60, `${format} has sound: ${stats.meanDb} dB`);
    }
    const slow = await client.audio.speech.create({
      model: "tts-1",
      voice: "alloy",
      input: "Hello there.",
      response_format: "wav",
      speed: 0.5,
    });
    const normal = await client.audio.speech.create({
      model: "tts-1",
      voice: "alloy",
      input: "Hello there.",
      response_format: "wav",
    });
    const slowS = decodeStats(new Uint8Array(await slow.arrayBuffer())).seconds;
    const normalS = decodeStats(new Uint8Array(await normal.arrayBuffer())).seconds;
    assert.ok(Math.abs(slowS / normalS - 2) < 0.1, `${slowS} vs ${normalS}`);
  });

  it("stops the job of a stream whose client disconnects", async () => {
    // The chat model is unloaded first, so the stream's job waits in line while it loads: the
    // client leaves then, and the job must leave the line instead of running for nobody.
    assert.notEqual(await models.manager.unload("chat"), "busy");
    const chatStats = () => models.manager.stats().models.find((model) => model.id === "chat")!;
    const ranBefore = chatStats().jobsOk + chatStats().jobsFailed;
    const controller = new AbortController();
    const loading = new Promise<void>((resolve) => {
      const off = models.manager.on((event) => {
        if (event.type === "loading" && event.modelId === "chat") {
          off();
          resolve();
        }
      });
    });
    const loaded = new Promise<void>((resolve) => {
      const off = models.manager.on((event) => {
        if (event.type === "loaded" && event.modelId === "chat") {
          off();
          resolve();
        }
      });
    });
    const request = client.chat.completions
      .create(
        { model: "gpt-4o-mini", messages: [{ role: "user", content: "Hello?" }], stream: true },
        { signal: controller.signal },
      )
      .then(
        () => "answered",
        () => "aborted",
      );
    await loading;
    assert.equal(chatStats().queued, 1, "the stream's job waits for the load");
    controller.abort();
    assert.equal(await request, "aborted");
    await loaded;
    const after = chatStats();
    assert.equal(after.queued, 0);
    assert.equal(after.running, 0);
    assert.equal(after.jobsOk + after.jobsFailed, ranBefore, "the job never ran");
  });

  it("serves the original speech routes with their field names", async () => {
    const form = new FormData();
    form.append("file", new Blob([fs.readFileSync(SPEECH)], { type: "audio/wav" }), "jfk.wav");
    const response = await fetch(`${baseURL}/asr/transcribe`, {
      method: "POST",
      body: form,
      headers: { authorization: `Bearer ${KEY}` },
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as Record<string, unknown> & {
      chunks: Record<string, unknown>[];
    };
    assert.equal(body.status, "success");
    assert.equal(body.filename, "jfk.wav");
    assert.equal(body.normalized, false);
    assert.equal(body.normalized_text, null);
    assert.equal(body.num_chunks, body.chunks.length);
    assert.deepEqual(Object.keys(body.chunks[0]!).sort(), [
      "chunk_index",
      "end_time",
      "start_time",
      "text",
    ]);
    const wav = await fetch(`${baseURL}/tts/synthesize`, {
      method: "POST",
      body: JSON.stringify({ text: "Hello there." }),
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    });
    assert.equal(wav.status, 200);
    assert.equal(wav.headers.get("content-type"), "audio/wav");
    assert.equal(wav.headers.get("content-disposition"), 'attachment; filename="speech.wav"');
    assert.ok(decodeStats(new Uint8Array(await wav.arrayBuffer())).meanDb > -60);
    const empty = await fetch(`${baseURL}/tts/synthesize`, {
      method: "POST",
      body: JSON.stringify({ text: "" }),
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    });
    assert.equal(empty.status, 400);
    assert.ok("detail" in ((await empty.json()) as object));
  });
});
