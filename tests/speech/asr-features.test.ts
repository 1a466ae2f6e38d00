/**
 * Whisper's log-mel features cost a JavaScript FFT per 30 s window: they are computed in the
 * feature worker, never on the main thread, and language detection and the transcription of
 * the same window share them (one computation per window), on the real fixture pipeline.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
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

  it("are the numbers the pipeline's own processor computes", async () => {
    const audio = noise(2);
    const config = pipe.processor.feature_extractor!.config;
    const worker = await whisperFeatures.compute(config, audio);
    const mine = await inThread(audio);
    assert.equal(inPlace, 1);
    assert.deepEqual(worker.dims, mine.input_features.dims);
    assert.deepEqual(worker.data, mine.input_features.data);
  });
});
