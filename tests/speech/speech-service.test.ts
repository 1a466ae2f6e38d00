import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pino from "pino";
import type { Pcm } from "../../src/media/audio-pcm.js";
import type { AsrInput, AsrResult } from "../../src/models/adapters/asr-whisper.js";
import type { ModelHandle, RunOptions } from "../../src/models/contract.js";
import { SpeechService, type SpeechServiceOptions } from "../../src/services/speech/index.js";
import { AppError, ModelError } from "../../src/shared/errors.js";
import { probe, sine, tone } from "./support.js";

const logger = pino({ level: "silent" });

/** A handle that runs `fn` directly, recording its inputs: the manager is not under test here. */
function handle<In, Out>(id: string, fn: (input: In, options?: RunOptions) => Promise<Out>) {
  const inputs: In[] = [];
  const h: ModelHandle<In, Out> = {
    id,
    run: (input, options) => {
      inputs.push(input);
      return fn(input, options);
    },
  };
  return Object.assign(h, { inputs });
}

const echoAsr = handle<AsrInput, AsrResult>("asr", async (input) => ({
  text: "привет мир",
  language: input.language === "auto" ? "ru" : input.language,
  durationS: input.samples.length / 16_000,
  windows: [{ startS: 0, endS: input.samples.length / 16_000, ms: 1 }],
}));

/** A VITS stand-in: 16 kHz, 50 ms of tone per character. */
function fakeVoice(id: string) {
  return handle<string, Pcm>(id, async (text) => ({
    samples: sine(text.length * 0.05, 16_000),
    sampleRate: 16_000,
  }));
}

function service(overrides: Partial<SpeechServiceOptions> = {}) {
  return new SpeechService({ asr: echoAsr, voices: {}, logger, ...overrides });
}

describe("SpeechService.checkTools", () => {
  it("passes with the installed tools and names what to install when one is missing", async () => {
    await service().checkTools();
    await assert.rejects(
      service({ espeakPath: "/nonexistent/espeak-ng" }).checkTools(),
      (error: unknown) => {
        assert.ok(error instanceof AppError && error.code === "tool.missing");
        assert.match(error.message, /install espeak-ng/);
        return true;
      },
    );
    await assert.rejects(
      service({ ffmpegPath: "/nonexistent/ffmpeg" }).checkTools(),
      (error: unknown) => {
        assert.ok(error instanceof AppError && error.code === "tool.missing");
        assert.equal(error.details.tool, "/nonexistent/ffmpeg");
        return true;
      },
    );
  });
});

describe("SpeechService.transcribe", () => {
  it("decodes any audio to 16 kHz and passes the configured language to the ASR handle", async () => {
    const asr = handle<AsrInput, AsrResult>("asr", (input, options) => {
      options?.onEvent?.({ type: "running", modelId: "asr" });
      return echoAsr.run(input);
    });
    const events: unknown[] = [];
    const result = await service({ asr, asrLanguage: "en", asrLanguages: ["ru", "en"] }).transcribe(
      tone(2, "m4a", ["-c:a", "aac"]),
      {
        fileName: "note.m4a",
        onEvent: (event) => events.push(event),
      },
    );
    assert.equal(asr.inputs[0]?.samples.length, 32_000);
    assert.equal(asr.inputs[0]?.language, "en");
    assert.deepEqual(asr.inputs[0]?.candidates, ["ru", "en"]);
    assert.deepEqual(events, [{ type: "running", modelId: "asr" }], "job events reach the caller");
    assert.deepEqual(
      {
        text: result.text,
        language: result.language,
        durationS: result.durationS,
        normalized: result.normalized,
      },
      { text: "привет мир", language: "en", durationS: 2, normalized: false },
    );
  });

  it("normalizes only when asked, and falls back to the raw transcript if normalization fails", async () => {
    const calls: unknown[][] = [];
    const normalizer = {
      normalize: async (text: string, kind: "ocr" | "asr", lang: string) => {
        calls.push([text, kind, lang]);
        return "Привет, мир!";
      },
    };
    const speech = service({ normalizer });
    const ogg = tone(1, "ogg", ["-c:a", "libopus"]);
    assert.equal((await speech.transcribe(ogg)).text, "привет мир");
    const normalized = await speech.transcribe(ogg, { normalize: true });
    assert.deepEqual(
      [normalized.text, normalized.rawText, normalized.normalized],
      ["Привет, мир!", "привет мир", true],
    );
    assert.deepEqual(calls, [["привет мир", "asr", "ru"]]);

    const broken = service({
      normalizer: { normalize: () => Promise.reject(new Error("chat model down")) },
    });
    const raw = await broken.transcribe(ogg, { normalize: true });
    assert.deepEqual([raw.text, raw.normalized], ["привет мир", false]);
  });

  it("refuses too-long audio before the model runs", async () => {
    const asr = handle<AsrInput, AsrResult>("asr", echoAsr.run);
    await assert.rejects(
      service({ asr, asrMaxSeconds: 1 }).transcribe(tone(2, "ogg", ["-c:a", "libopus"])),
      (error: unknown) => error instanceof AppError && error.code === "audio.too_long",
    );
    assert.equal(asr.inputs.length, 0);
  });
});

describe("SpeechService.synthesize", () => {
  it("speaks each script with its voice and returns 48 kHz mono OGG/Opus", async () => {
    const ru = fakeVoice("tts-ru");
    const en = fakeVoice("tts-en");
    const result = await service({ voices: { ru, en } }).synthesize("Привет, world! Это тест.");
    assert.deepEqual(ru.inputs, ["Привет,", "Это тест."]);
    assert.deepEqual(en.inputs, ["world!"]);
    assert.equal(result.engine, "vits");
    assert.deepEqual(result.voices, ["vits:ru", "vits:en"]);
    // 50 ms per character (7 + 6 + 9 characters) plus one 250 ms pause between sentences.
    assert.ok(
      Math.abs(result.durationS - (22 * 0.05 + 0.25)) < 1e-6,
      `duration ${result.durationS}`,
    );
    const { stream, durationS } = probe(result.ogg);
    assert.deepEqual(
      [stream.codec_name, stream.channels, stream.sample_rate],
      ["opus", 1, "48000"],
    );
    assert.ok(durationS > 1);
  });

  it("falls back to espeak-ng for a language without a neural voice or whose voice can't load", async () => {
    const missing = handle<string, Pcm>("tts-ru", () =>
      Promise.reject(new ModelError("model.missing", "not pulled", { model: "mms-tts-rus" })),
    );
    const en = fakeVoice("tts-en");
    const result = await service({ voices: { ru: missing, en } }).synthesize(
      "Привет. Hello. Пока.",
    );
    assert.equal(result.engine, "espeak");
    assert.deepEqual(result.voices, ["espeak:ru", "vits:en"]);
    assert.equal(
      missing.inputs.length,
      1,
      "a voice that failed to load is not retried within one text",
    );
    const { stream, durationS } = probe(result.ogg);
    assert.deepEqual(
      [stream.codec_name, stream.channels, stream.sample_rate],
      ["opus", 1, "48000"],
    );
    assert.ok(durationS > 0.5);

    const espeakOnly = await service().synthesize("Hello there.", { lang: "en" });
    assert.deepEqual([espeakOnly.engine, espeakOnly.voices], ["espeak", ["espeak:en"]]);
    assert.ok(probe(espeakOnly.ogg).durationS > 0.3);
  });

  it("uses espeak-ng for every language when the user chose it", async () => {
    const en = fakeVoice("tts-en");
    const result = await service({ voices: { en } }).synthesize("Hello.", { engine: "espeak" });
    assert.deepEqual([result.engine, result.voices], ["espeak", ["espeak:en"]]);
    assert.equal(en.inputs.length, 0);
  });

  it("does not hide other voice failures behind the fallback", async () => {
    const failing = handle<string, Pcm>("tts-en", () => Promise.reject(new Error("bug")));
    await assert.rejects(service({ voices: { en: failing } }).synthesize("Hello"), /bug/);
  });

  it("refuses text over TTS_MAX_CHARS with the limit in details, and text with nothing to say", async () => {
    await assert.rejects(
      service({ ttsMaxChars: 10 }).synthesize("x".repeat(11)),
      (error: unknown) => {
        assert.ok(error instanceof AppError && error.code === "tts.too_long");
        assert.deepEqual(error.details, { maxChars: 10, length: 11 });
        return true;
      },
    );
    await assert.rejects(
      service().synthesize("  — !  "),
      (error: unknown) => error instanceof AppError && error.code === "input.empty",
    );
  });
});
