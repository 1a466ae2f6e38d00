/**
 * The guards against invented text (src/services/speech/guards.ts) with the misbehaving
 * fixture Whispers loaded through the real runtime, behind the real speech service and the
 * real Silero VAD: the looping one must come out as its sentence once, the hallucinating one's
 * "Продолжение следует..." must never reach the transcript.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, describe, it } from "node:test";
import pino from "pino";
import {
  createWhisperAsr,
  type AsrInput,
  type AsrResult,
} from "../../src/models/adapters/asr-whisper.js";
import { PROFILES, fixtureModelsDir } from "../../src/models/catalogue/profiles.js";
import { configureRuntime } from "../../src/models/runtime/environment.js";
import { SpeechService } from "../../src/services/speech/index.js";
import { DEFAULT_VAD_SETTINGS } from "../../src/services/speech/speech-windows.js";
import { AppError } from "../../src/shared/errors.js";
import { WHISPER_HALLUCINATION, WHISPER_SENTENCE } from "../../scripts/make-fixtures.js";
import {
  buildRecording,
  encodePcm,
  ENGLISH_SENTENCES,
  espeakPcm,
  SAMPLE_RATE,
} from "../support/speech-audio.js";
import { DirectHandle } from "../support/model-handle.js";
import { sileroVad } from "./vad-support.js";

const logger = pino({ level: "silent" });
const runtime = configureRuntime({ modelsDir: fixtureModelsDir, allowRemoteModels: false, logger });
const SENTENCE = WHISPER_SENTENCE.trim();

/** A fixture Whisper variant as the catalogue's fixture ASR entry would name it. */
function fixtureWhisper(name: string) {
  const spec = { ...PROFILES.fixture.models.asr, modelId: `fixture/${name}` };
  return new DirectHandle(createWhisperAsr({ spec, runtime, logger }));
}

/** Wraps a handle so every input and result is kept: what Whisper said before the guards. */
function recorded(handle: DirectHandle<AsrInput, AsrResult>) {
  const calls: { input: AsrInput; result: AsrResult }[] = [];
  return {
    calls,
    handle: {
      id: handle.id,
      run: async (input: AsrInput, options?: Parameters<typeof handle.run>[1]) => {
        const result = await handle.run(input, options);
        calls.push({ input, result });
        return result;
      },
    },
  };
}

/** Lossless 16 kHz float WAV: the decoder hands the service these exact samples. */
function wav(samples: Float32Array): Buffer {
  return encodePcm(samples, "wav", ["-c:a", "pcm_f32le"]);
}

/** 16 kHz PCM through ffmpeg's `filters`. */
function filtered(samples: Float32Array, filters: string): Float32Array {
  const out = execFileSync(
    "ffmpeg",
    [
      ...["-hide_banner", "-loglevel", "error", "-f", "f32le", "-ar", "16000", "-ac", "1"],
      ...["-i", "pipe:0", "-af", filters, "-f", "f32le", "pipe:1"],
    ],
    { input: Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength) },
  );
  return new Float32Array(out.buffer, out.byteOffset, Math.floor(out.length / 4)).slice();
}

/**
 * A faint, tinny "hello there" in 0.5 s of digital silence on each side: espeak-ng through a
 * steep 1 kHz high-pass at a third of its level. The VAD hears a little speech in it, and the
 * hallucinating fixture, whose encoder sees only the lowest mel bins, takes it for silence,
 * as real Whisper does with a mumble.
 */
function mumble(): Float32Array {
  const { samples } = buildRecording({
    pieces: [espeakPcm("Hello there", "en")],
    pausesS: [0.5, 0.5],
  });
  return filtered(samples, new Array(8).fill("highpass=f=1000").join(",")).map((x) => 0.3 * x);
}

/** Clear English speech, sentence after sentence with 0.1 s between, cut to exactly `seconds`. */
function clearSpeech(seconds: number): Float32Array {
  const pieces = Array.from({ length: 12 }, (_, i) =>
    espeakPcm(ENGLISH_SENTENCES[i % ENGLISH_SENTENCES.length]!, "en"),
  );
  const { samples } = buildRecording({ pieces, pausesS: pieces.map(() => 0.1).concat(0) });
  assert.ok(samples.length >= seconds * SAMPLE_RATE, "enough speech");
  return samples.slice(0, seconds * SAMPLE_RATE);
}

const isNoSpeech = (error: unknown) =>
  error instanceof AppError && error.code === "audio.no_speech";

describe("fixture/whisper-looping behind the speech service", () => {
  const whisper = fixtureWhisper("whisper-looping");
  after(() => whisper.dispose());

  it("a sentence looped to the token cap comes out once, after one retry with sampling", async () => {
    const asr = recorded(whisper);
    const speech = new SpeechService({ asr: asr.handle, vad: sileroVad(), voices: {}, logger });
    const { samples } = buildRecording({ pieces: [espeakPcm(SENTENCE, "en")], pausesS: [1, 1] });
    const result = await speech.transcribe(wav(samples));
    assert.equal(result.text, SENTENCE);
    assert.deepEqual(
      result.segments.map((segment) => segment.text),
      [SENTENCE],
    );
    // What the guard had to deal with: the loop, greedy and then sampled.
    assert.deepEqual(
      asr.calls.map(({ input }) => Boolean(input.sampling)),
      [false, true],
    );
    for (const { result: raw } of asr.calls) {
      const repeats = raw.text.split(SENTENCE).length - 1;
      assert.ok(repeats >= 10, `Whisper looped (${repeats} times): ${raw.text.slice(0, 80)}…`);
    }
  });
});

describe("fixture/whisper-hallucinating behind the speech service", () => {
  const whisper = fixtureWhisper("whisper-hallucinating");
  after(() => whisper.dispose());
  // Padding keeps each cut in the silence around the speech, not in the middle of a sound.
  const vadSettings = { ...DEFAULT_VAD_SETTINGS, speechPadMs: 200 };
  const service = (asr: ReturnType<typeof recorded>) =>
    new SpeechService({ asr: asr.handle, vad: sileroVad(), vadSettings, voices: {}, logger });

  it("a mumble the VAD hears little speech in gets 'no speech', not the invented phrase", async () => {
    const asr = recorded(whisper);
    const { samples } = buildRecording({ pieces: [mumble()], pausesS: [1.5, 1.5] });
    await assert.rejects(service(asr).transcribe(wav(samples)), isNoSpeech);
    // The VAD did pass the mumble on, and Whisper did invent the phrase: the guard dropped it.
    const [call] = asr.calls;
    const window = call?.input.windows?.[0];
    assert.equal(asr.calls.length, 1);
    assert.equal(window?.checkNoSpeech, true, "the window holds little speech");
    assert.equal(call?.result.segments[0]?.text, WHISPER_HALLUCINATION.trim());
  });

  it("keeps the speech and drops the phrase invented over a mumble in its own window", async () => {
    const asr = recorded(whisper);
    // A mumble first (the VAD is freshly attentive), then just under 30 s of clear speech
    // after a pause: together they exceed a window, so each gets its own.
    const { samples } = buildRecording({
      pieces: [mumble(), clearSpeech(29)],
      pausesS: [1.5, 3, 0.5],
    });
    const result = await service(asr).transcribe(wav(samples));
    // One ASR job per window.
    const heard = asr.calls.flatMap((call) => call.result.segments);
    assert.deepEqual(
      heard.map((segment) => segment.text),
      [WHISPER_HALLUCINATION.trim(), SENTENCE],
      "two windows: the mumble Whisper invented a phrase for, then the speech",
    );
    assert.deepEqual(
      asr.calls.flatMap((call) => call.input.windows ?? []).map((w) => Boolean(w.checkNoSpeech)),
      [true, false],
    );
    assert.equal(result.text, SENTENCE);
    assert.equal(result.segments.length, 1);
    assert.ok(!result.text.includes("Продолжение"));
  });

  it("a clear recording is transcribed as usual by the same model", async () => {
    const asr = recorded(whisper);
    const { samples } = buildRecording({ pieces: [espeakPcm(SENTENCE, "en")], pausesS: [1, 1] });
    const result = await service(asr).transcribe(wav(samples));
    assert.equal(result.text, SENTENCE);
    assert.equal(asr.calls[0]?.input.windows?.[0]?.checkNoSpeech, false);
  });
});
