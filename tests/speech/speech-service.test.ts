import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pino from "pino";
import type { Pcm } from "../../src/media/audio-pcm.js";
import { spawnTool, type ToolRequest, type ToolRunner } from "../../src/media/audio-process.js";
import type { AsrInput, AsrResult } from "../../src/models/adapters/asr-whisper.js";
import type { ModelHandle, RunOptions } from "../../src/models/contract.js";
import { SpeechService, type SpeechServiceOptions } from "../../src/services/speech/index.js";
import { AppError, ModelError } from "../../src/shared/errors.js";
import { BACKGROUND_NICENESS } from "../../src/shared/priority.js";
import type { VadInput, VadResult } from "../../src/models/adapters/vad-silero.js";
import { RecordingHandle } from "../support/model-handle.js";
import { buildRecording, encodePcm, espeakPcm } from "../support/speech-audio.js";
import { makeMedia, probe, sine, tone } from "./support.js";
import { NO_CARRY, sileroVad } from "./vad-support.js";

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

/** Says "привет мир" for each window it is given. */
const echoAsr = handle<AsrInput, AsrResult>("asr", async (input) => {
  const windows = input.windows ?? [{ startSample: 0, endSample: input.samples.length }];
  const segments = windows.map((w) => ({
    startS: w.startSample / 16_000,
    endS: w.endSample / 16_000,
    text: "привет мир",
  }));
  for (const w of windows) input.onWindow?.(w.endSample / 16_000);
  return {
    text: segments.map((segment) => segment.text).join(" "),
    language: input.language === "auto" ? "ru" : input.language,
    durationS: input.samples.length / 16_000,
    windows: segments.map(({ startS, endS }) => ({ startS, endS, ms: 1 })),
    segments,
  };
});

/** A VITS stand-in: 16 kHz, 50 ms of tone per character. */
function fakeVoice(id: string) {
  return handle<string, Pcm>(id, async (text) => ({
    samples: sine(text.length * 0.05, 16_000),
    sampleRate: 16_000,
  }));
}

function service(overrides: Partial<SpeechServiceOptions> = {}) {
  return new SpeechService({ asr: echoAsr, vad: sileroVad(), voices: {}, logger, ...overrides });
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

const SENTENCE_EN = "The quick brown fox jumps over the lazy dog.";
const SENTENCE_RU = "Завтра утром мы поедем на вокзал и купим билеты.";

/** A real spoken recording: espeak-ng sentences between pauses, encoded as `extension`. */
function spoken(pausesS: number[], extension = "ogg", codec = ["-c:a", "libopus"]) {
  const pieces = pausesS
    .slice(1)
    .map((_, i) => (i % 2 ? espeakPcm(SENTENCE_RU, "ru") : espeakPcm(SENTENCE_EN, "en")));
  const recording = buildRecording({ pieces, pausesS, noise: 0.003 });
  return { ...recording, bytes: encodePcm(recording.samples, extension, codec) };
}

/** A VAD stand-in that rates every frame `p`: the guards' "how much speech" input, set by hand. */
function flatVad(p: number) {
  return handle<VadInput, VadResult>("vad", async ({ samples }) => ({
    probs: new Float32Array(Math.ceil(samples.length / 512)).fill(p),
    frameSamples: 512,
    sampleRate: 16_000,
    carry: NO_CARRY,
  }));
}

/** An ASR stand-in behind the model contract that answers `say(input)` for every window. */
function scriptedAsr(say: (input: AsrInput, call: number) => string) {
  let calls = 0;
  return handle<AsrInput, AsrResult>("asr", async (input) => {
    const call = calls++;
    const windows = input.windows ?? [{ startSample: 0, endSample: input.samples.length }];
    const segments = windows.map((w) => ({
      startS: w.startSample / 16_000,
      endS: w.endSample / 16_000,
      text: say(input, call),
      ...(w.checkNoSpeech ? { noSpeechProb: 0.9 } : {}),
    }));
    return {
      text: segments.map((segment) => segment.text).join(" "),
      language: "ru",
      durationS: input.samples.length / 16_000,
      windows: segments.map(({ startS, endS }) => ({ startS, endS, ms: 1 })),
      segments,
    };
  });
}

const LOOP = "и тогда он сказал ".repeat(40).trim();

describe("SpeechService.transcribe", () => {
  it("decodes any audio to 16 kHz and passes the configured language to the ASR handle", async () => {
    const asr = handle<AsrInput, AsrResult>("asr", (input, options) => {
      options?.onEvent?.({ type: "running", modelId: "asr" });
      return echoAsr.run(input);
    });
    const events: unknown[] = [];
    const recording = spoken([0.5, 0.5], "m4a", ["-c:a", "aac"]);
    const result = await service({ asr, asrLanguage: "en", asrLanguages: ["ru", "en"] }).transcribe(
      recording.bytes,
      { fileName: "note.m4a", onEvent: (event) => events.push(event) },
    );
    // AAC frames may add a few samples; the rate is what matters.
    assert.ok(Math.abs(result.durationS * 16_000 - recording.samples.length) < 100);
    assert.equal(asr.inputs[0]?.language, "en");
    assert.deepEqual(asr.inputs[0]?.candidates, ["ru", "en"]);
    assert.ok(
      events.some((event) => JSON.stringify(event) === '{"type":"running","modelId":"asr"}'),
      "job events reach the caller",
    );
    assert.deepEqual(
      { text: result.text, language: result.language, normalized: result.normalized },
      { text: "привет мир", language: "en", normalized: false },
    );
  });

  it("decodes a recording below the bot's CPU priority, and encodes a voice reply at it", async () => {
    const requests: ToolRequest[] = [];
    const runner: ToolRunner = (request) => {
      requests.push(request);
      return spawnTool(request);
    };
    const speech = service({ runner, voices: { en: fakeVoice("tts-en") } });
    await speech.transcribe(spoken([0.5, 0.5]).bytes);
    await speech.synthesize("Hello there.");
    const decodes = requests.filter((request) => request.args.includes("-vn"));
    const encodes = requests.filter((request) => request.args.includes("libopus"));
    assert.ok(decodes.length === 1 && encodes.length === 1, `tools run: ${requests.length}`);
    // Transcription is background work from its first step, as its VAD and Whisper threads.
    assert.equal(decodes[0]!.niceness, BACKGROUND_NICENESS);
    // Someone waits on a voice reply: its encoding keeps the bot's priority.
    assert.equal(encodes[0]!.niceness, undefined);
  });

  it("sends Whisper only the speech: pauses are cut out, the segment keeps its times", async () => {
    const recording = spoken([1.5, 6, 4, 2]);
    const result = await service().transcribe(recording.bytes);
    const input = echoAsr.inputs.at(-1);
    const windows = input?.windows ?? [];
    assert.equal(windows.length, 1, "three short sentences fit one window");
    // Only the window's part of the recording is sent, its positions relative to that part.
    const [segment] = result.segments;
    const offset = Math.round(segment!.startS * 16_000);
    assert.equal(windows[0]?.startSample, 0);
    assert.equal(input?.samples.length, windows[0]?.endSample);
    const pieces = windows[0]?.pieces ?? [];
    assert.equal(pieces.length, 3, "each sentence is a piece; the pauses between are not sent");
    pieces.forEach((piece, i) => {
      const truth = recording.speech[i]!;
      // Within a few hundred ms of where the sentence really is (padding and frame rounding).
      const [start, end] = [offset + piece.startSample, offset + piece.endSample];
      assert.ok(Math.abs(start - truth.start) < 0.3 * 16_000, `start of ${i}`);
      assert.ok(Math.abs(end - truth.end) < 0.3 * 16_000, `end of ${i}`);
    });
    assert.equal(result.segments.length, 1);
    assert.ok(
      Math.abs(segment!.startS - 1.5) < 0.3 &&
        Math.abs(segment!.endS - recording.speech[2]!.end / 16_000) < 0.3,
    );
    const totalS = recording.samples.length / 16_000;
    assert.ok(result.heardS < totalS - 10, `heard ${result.heardS} s of ${totalS} s`);
  });

  it("a silent or noise-only recording is refused as audio.no_speech before Whisper runs", async () => {
    const asr = scriptedAsr(() => "Продолжение следует...");
    const silent = makeMedia(["anullsrc=r=48000:cl=mono"], ["-t", "3", "-c:a", "libopus"], "ogg");
    const noise = makeMedia(
      ["anoisesrc=color=pink:amplitude=0.2:duration=4:r=48000"],
      ["-c:a", "libopus"],
      "ogg",
    );
    for (const bytes of [silent, noise]) {
      await assert.rejects(
        service({ asr }).transcribe(bytes),
        (error: unknown) => error instanceof AppError && error.code === "audio.no_speech",
      );
    }
    assert.equal(asr.inputs.length, 0);
  });

  it("drops known hallucinations and 'no speech' windows only where the VAD hears little speech", async () => {
    const recording = spoken([0.5, 0.5]);
    const hallucinating = scriptedAsr(() => "Субтитры сделал DimaTorzok");
    await assert.rejects(
      service({ asr: hallucinating, vad: flatVad(0.55) }).transcribe(recording.bytes),
      (error: unknown) => error instanceof AppError && error.code === "audio.no_speech",
    );
    assert.equal(hallucinating.inputs[0]?.windows?.[0]?.checkNoSpeech, true);
    // The same words where the VAD is sure of speech are kept: someone really said them.
    const sure = await service({ asr: hallucinating, vad: flatVad(0.95) }).transcribe(
      recording.bytes,
    );
    assert.equal(sure.text, "Субтитры сделал DimaTorzok");
    // Whisper's own no-speech probability (0.9 here) drops any text in a doubtful window.
    const unsure = scriptedAsr(() => "какой-то текст");
    await assert.rejects(
      service({ asr: unsure, vad: flatVad(0.55) }).transcribe(recording.bytes),
      (error: unknown) => error instanceof AppError && error.code === "audio.no_speech",
    );
  });

  it("a looping window is retried once with sampling; a second loop is cut to its first phrase", async () => {
    const recording = spoken([0.5, 0.5]);
    const healed = scriptedAsr((input) => (input.sampling ? "и тогда он сказал правду" : LOOP));
    const first = await service({ asr: healed }).transcribe(recording.bytes);
    assert.equal(first.text, "и тогда он сказал правду");
    assert.deepEqual(
      healed.inputs.map((input) => Boolean(input.sampling)),
      [false, true],
    );
    const stuck = scriptedAsr(() => LOOP);
    const second = await service({ asr: stuck }).transcribe(recording.bytes);
    assert.equal(second.text, "и тогда он сказал");
    assert.equal(stuck.inputs.length, 2, "one retry, not more");
  });

  it("a 10-minute recording gives ordered segments inside its length and minute progress", async () => {
    const pauses = Array.from({ length: 61 }, (_, i) => 4 + (i % 9));
    const recording = spoken(pauses);
    const totalS = recording.samples.length / 16_000;
    assert.ok(totalS >= 600 && totalS <= 700, `recording of ${totalS} s`);
    const heard: number[] = [];
    const result = await service({ asrMaxSeconds: 900 }).transcribe(recording.bytes, {
      onHeard: (heardS, total) => {
        assert.equal(Math.round(total), Math.round(totalS));
        heard.push(heardS);
      },
    });
    // About 150 s of speech packed into windows of at most 30 s.
    assert.ok(result.segments.length >= 5, `${result.segments.length} segments`);
    let previousEnd = 0;
    for (const segment of result.segments) {
      assert.ok(segment.startS >= previousEnd && segment.endS > segment.startS);
      previousEnd = segment.endS;
    }
    assert.ok(previousEnd <= totalS);
    assert.deepEqual(
      heard,
      [...heard].sort((a, b) => a - b),
      "progress only moves forward",
    );
    assert.ok(heard.length === result.windows.length);
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
    const ogg = spoken([0.3, 0.3]).bytes;
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
    const { stream, durationS } = probe(result.audio);
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
    const { stream, durationS } = probe(result.audio);
    assert.deepEqual(
      [stream.codec_name, stream.channels, stream.sample_rate],
      ["opus", 1, "48000"],
    );
    assert.ok(durationS > 0.5);

    const espeakOnly = await service().synthesize("Hello there.", { lang: "en" });
    assert.deepEqual([espeakOnly.engine, espeakOnly.voices], ["espeak", ["espeak:en"]]);
    assert.ok(probe(espeakOnly.audio).durationS > 0.3);
  });

  it("speaks a text of several sentences as batch jobs, one per sentence, and one alone as asked", async () => {
    const ru = new RecordingHandle(fakeVoice("tts-ru"));
    const speech = service({ voices: { ru } });
    await speech.synthesize("Привет. Как дела? Пока.", { owner: "tg:3" });
    assert.deepEqual(
      ru.runs.map(({ input }) => input),
      ["Привет.", "Как дела?", "Пока."],
    );
    assert.deepEqual(ru.scheduling(), Array(3).fill({ owner: "tg:3", workClass: "batch" }));
    await speech.synthesize("Привет.", { owner: "tg:3" });
    assert.deepEqual(ru.scheduling().at(-1), { owner: "tg:3", workClass: "interactive" });
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
