/**
 * Whisper's log-mel features are computed in the feature worker, never on the main thread,
 * language detection and the transcription of the same window share them (one computation
 * per window), on the real fixture pipeline; and they are the numbers transformers.js's own
 * extractor computes, for speech, noise, silence and audio cut or padded to 30 s.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { env, pipeline } from "@huggingface/transformers";
import { FIXTURES_DIR, WHISPER_SENTENCE } from "../../scripts/make-fixtures.js";
import { whisperFeatures } from "../../src/models/adapters/whisper-features.js";
import {
  transcribeWithWhisper,
  WHISPER_SAMPLE_RATE,
  type WhisperPipeline,
} from "../../src/models/adapters/asr-whisper.js";

const cacheDir = await mkdtemp(join(tmpdir(), "asr-features-cache-"));
env.localModelPath = FIXTURES_DIR;
env.allowRemoteModels = false;
env.cacheDir = cacheDir;
after(() => rm(cacheDir, { recursive: true, force: true }));

/** A 16 kHz signal that is not silence. */
function noise(seconds: number): Float32Array {
  const samples = new Float32Array(Math.round(seconds * WHISPER_SAMPLE_RATE));
  let state = 12345;
  for (let i = 0; i < samples.length; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    samples[i] = (state / 2 ** 31 - 0.5) * 0.5;
  }
  return samples;
}

/** A real recording (16-bit mono 16 kHz WAV, see shared/data/real/SOURCES.md). */
function speech(): Float32Array {
  const bytes = readFileSync("/work/shared/data/real/jfk.wav");
  let at = 12;
  while (bytes.toString("latin1", at, at + 4) !== "data") at += 8 + bytes.readUInt32LE(at + 4);
  const pcm = new Int16Array(
    bytes.buffer.slice(
      bytes.byteOffset + at + 8,
      bytes.byteOffset + at + 8 + bytes.readUInt32LE(at + 4),
    ),
  );
  return Float32Array.from(pcm, (sample) => sample / 32768);
}

/** `audio` after `seconds` of digital silence. */
function afterSilence(seconds: number, audio: Float32Array): Float32Array {
  const out = new Float32Array(seconds * WHISPER_SAMPLE_RATE + audio.length);
  out.set(audio, seconds * WHISPER_SAMPLE_RATE);
  return out;
}

describe("Whisper features", () => {
  let pipe: WhisperPipeline;
  /** Computed on this (the main) thread. */
  let inPlace = 0;
  /** The processor as transformers.js made it, computing on this thread. */
  let inThread: WhisperPipeline["processor"];
  before(async () => {
    pipe = (await pipeline("automatic-speech-recognition", "fixture/whisper", {
      device: "cpu",
      dtype: "fp32",
    })) as unknown as WhisperPipeline;
    // Count what the processor computes here (the pipeline also reads its config).
    pipe.processor = new Proxy(pipe.processor, {
      apply(target, thisArg, args) {
        inPlace++;
        return Reflect.apply(target, thisArg, args) as unknown;
      },
    });
    inThread = pipe.processor;
  });
  after(() => Promise.all([pipe.dispose(), whisperFeatures.close()]));

  it("are computed once, off the main thread, for a voice note whose language is detected", async () => {
    const before = whisperFeatures.computed;
    const result = await transcribeWithWhisper(
      pipe,
      { samples: noise(3), language: "auto" },
      new AbortController().signal,
    );
    assert.equal(result.text, WHISPER_SENTENCE.trim());
    assert.ok(["en", "ru"].includes(result.language), result.language);
    assert.equal(whisperFeatures.computed - before, 1);
    assert.equal(inPlace, 0);
  });

  it("are computed once per window of a long recording", async () => {
    const before = whisperFeatures.computed;
    const result = await transcribeWithWhisper(
      pipe,
      { samples: noise(40), language: "auto" },
      new AbortController().signal,
    );
    assert.equal(result.windows.length, 2);
    assert.equal(whisperFeatures.computed - before, 2);
    assert.equal(inPlace, 0);
  });

  const signals: [string, () => Float32Array][] = [
    ["speech", speech],
    ["2 s of noise", () => noise(2)],
    ["noise longer than a window (cut to 30 s)", () => noise(40)],
    ["speech after 5 s of silence", () => afterSilence(5, speech())],
    ["digital silence", () => new Float32Array(WHISPER_SAMPLE_RATE)],
  ];
  for (const [name, signal] of signals) {
    it(`are the numbers the pipeline's own processor computes: ${name}`, async () => {
      const audio = signal();
      const config = pipe.processor.feature_extractor!.config;
      const worker = await whisperFeatures.compute(config, audio);
      const before = inPlace;
      const mine = await inThread(audio);
      assert.equal(inPlace - before, 1);
      assert.deepEqual(worker.dims, mine.input_features.dims);
      const expected = mine.input_features.data as Float32Array;
      let worst = 0;
      for (let i = 0; i < expected.length; i++) {
        worst = Math.max(worst, Math.abs(worker.data[i]! - expected[i]!));
      }
      // Only rounding differs (float64 sums here, float32 there): features span about 2.
      assert.ok(worst < 1e-5, `largest difference ${worst}`);
    });
  }
});
