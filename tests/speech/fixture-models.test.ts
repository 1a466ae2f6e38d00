/**
 * The ASR and TTS adapters through transformers.js's real loading and inference path,
 * with the repository's tiny fixture models (fixtures/README.md), and the speech service
 * end to end on top of them.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pino from "pino";
import type { Pcm } from "../../src/media/audio-pcm.js";
import {
  createWhisperAsr,
  type AsrInput,
  type AsrResult,
} from "../../src/models/adapters/asr-whisper.js";
import { createVitsTts } from "../../src/models/adapters/tts-vits.js";
import { PROFILES, fixtureModelsDir } from "../../src/models/catalogue/profiles.js";
import type { ManagedModel, ModelHandle } from "../../src/models/contract.js";
import { configureRuntime } from "../../src/models/runtime/environment.js";
import { SpeechService } from "../../src/services/speech/index.js";
import { buildRecording, encodePcm, espeakPcm } from "../support/speech-audio.js";
import { probe } from "./support.js";
import { sileroVad } from "./vad-support.js";

const logger = pino({ level: "silent" });
const SENTENCE = "The quick brown fox jumps over the lazy dog.";

/** The trivial handle the brief allows in tests: load once, then run. */
function loadedHandle<In, Out>(model: ManagedModel<In, Out>): ModelHandle<In, Out> {
  const loading = model.load();
  return {
    id: model.id,
    run: async (input, options) => {
      await loading;
      return model.run(input, options?.signal ?? new AbortController().signal);
    },
  };
}

describe("speech with the fixture models", () => {
  const runtime = configureRuntime({
    modelsDir: fixtureModelsDir,
    allowRemoteModels: false,
    logger,
  });
  const { models } = PROFILES.fixture;
  const asr = createWhisperAsr({ spec: models.asr, runtime, logger });
  const ru = createVitsTts({ id: "tts-ru", spec: models["tts-ru"], runtime, logger });
  const en = createVitsTts({ id: "tts-en", spec: models["tts-en"], runtime, logger });
  const signal = new AbortController().signal;

  before(async () => {
    await Promise.all([asr.load(), ru.load(), en.load()]);
  });
  after(async () => {
    await Promise.all([asr.unload(), ru.unload(), en.unload()]);
  });

  it("Whisper returns its sentence with the forced language, and detects one in auto mode", async () => {
    const samples = new Float32Array(2 * 16_000).map((_, i) => 0.3 * Math.sin(i / 5));
    const forced = await asr.run({ samples, language: "ru" }, signal);
    assert.equal(forced.text, SENTENCE);
    assert.equal(forced.language, "ru");
    assert.equal(forced.durationS, 2);
    assert.deepEqual(
      forced.windows.map((w) => [w.startS, w.endS]),
      [[0, 2]],
    );
    const detected = await asr.run({ samples, language: "auto" }, signal);
    assert.equal(detected.language, "en", "the fixture answers <|en|> after <|startoftranscript|>");
    assert.equal(detected.text, SENTENCE);
  });

  it("Whisper runs 75 s as three windows", async () => {
    const samples = new Float32Array(75 * 16_000).map((_, i) => 0.3 * Math.sin(i / 5));
    const result = await asr.run({ samples, language: "en" }, signal);
    assert.deepEqual(
      result.windows.map((w) => [w.startS, w.endS]),
      [
        [0, 30],
        [25, 55],
        [50, 75],
      ],
    );
    // Every window hears the fixture's one sentence; identical overlaps merge into one copy.
    assert.equal(result.text, SENTENCE);
  });

  it("VITS voices speak their script: 0.1 s per input id at 16 kHz", async () => {
    const pcm = await ru.run("Да!", signal);
    assert.equal(pcm.sampleRate, 16_000);
    assert.equal(pcm.samples.length, (2 * 3 + 1) * 1600, "3 characters → 7 ids");
    assert.equal((await en.run("Hi", signal)).samples.length, (2 * 2 + 1) * 1600);
  });

  it("the speech service transcribes real audio and speaks mixed text as OGG/Opus", async () => {
    const speech = new SpeechService({
      asr: loadedHandle<AsrInput, AsrResult>(asr),
      vad: sileroVad(),
      voices: { ru: loadedHandle<string, Pcm>(ru), en: loadedHandle<string, Pcm>(en) },
      logger,
    });
    const { samples } = buildRecording({
      pieces: [espeakPcm(SENTENCE, "en")],
      pausesS: [0.5, 0.5],
    });
    const heard = await speech.transcribe(encodePcm(samples, "ogg", ["-c:a", "libopus"]));
    assert.deepEqual([heard.text, heard.language], [SENTENCE, "en"]);
    assert.equal(heard.segments.length, 1, "one speech window");
    const [segment] = heard.segments;
    assert.ok(segment && segment.startS > 0.2 && segment.endS < heard.durationS - 0.2);

    const spoken = await speech.synthesize("Привет, world!");
    assert.deepEqual([spoken.engine, spoken.voices], ["vits", ["vits:ru", "vits:en"]]);
    // "привет," is 7 characters → 15 ids, "world!" 6 → 13 ids, 0.1 s each.
    assert.ok(Math.abs(spoken.durationS - 2.8) < 1e-9, `duration ${spoken.durationS}`);
    const { stream, durationS } = probe(spoken.audio);
    assert.deepEqual(
      [stream.codec_name, stream.channels, stream.sample_rate],
      ["opus", 1, "48000"],
    );
    assert.ok(Math.abs(durationS - 2.8) < 0.05);
  });
});

describe("Whisper with float16 logits (fixture/whisper-fp16-logits)", () => {
  const runtime = configureRuntime({
    modelsDir: fixtureModelsDir,
    allowRemoteModels: false,
    logger,
  });
  const asr = createWhisperAsr({
    spec: { ...PROFILES.fixture.models.asr, modelId: "fixture/whisper-fp16-logits" },
    runtime,
    logger,
  });
  const signal = new AbortController().signal;
  before(() => asr.load());
  after(() => asr.unload());

  it("detects the language from the values of the logits, not their bits", async () => {
    // The decoder scores <|en|> +10 and every other token -10, as float16. Read as raw bits,
    // -10 (0xc900) is larger than +10 (0x4900), so any other language would win.
    const samples = new Float32Array(2 * 16_000).map((_, i) => 0.3 * Math.sin(i / 5));
    const anyLanguage = await asr.run({ samples, language: "auto" }, signal);
    assert.deepEqual([anyLanguage.language, anyLanguage.text], ["en", SENTENCE]);
    const ruOrEn = await asr.run({ samples, language: "auto", candidates: ["ru", "en"] }, signal);
    assert.equal(ruOrEn.language, "en");
  });
});
