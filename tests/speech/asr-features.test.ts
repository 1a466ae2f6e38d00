/**
 * Whisper's log-mel features cost a JavaScript FFT on the main thread per 30 s window, so
 * language detection and the transcription of the same window must share them: one
 * computation per window, counted on the real fixture Whisper pipeline.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { env, pipeline } from "@huggingface/transformers";
import { FIXTURES_DIR, WHISPER_SENTENCE } from "../../scripts/make-fixtures.js";
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
  let computed = 0;
  before(async () => {
    pipe = (await pipeline("automatic-speech-recognition", "fixture/whisper", {
      device: "cpu",
      dtype: "fp32",
    })) as unknown as WhisperPipeline;
    // Count what the feature extractor computes (the pipeline also reads its config).
    pipe.processor = new Proxy(pipe.processor, {
      apply(target, thisArg, args) {
        computed++;
        return Reflect.apply(target, thisArg, args) as unknown;
      },
    });
  });
  after(() => pipe.dispose());

  it("are computed once for a voice note whose language is detected", async () => {
    computed = 0;
    const result = await transcribeWithWhisper(
      pipe,
      { samples: noise(3), language: "auto" },
      new AbortController().signal,
    );
    assert.equal(result.text, WHISPER_SENTENCE.trim());
    assert.ok(["en", "ru"].includes(result.language), result.language);
    assert.equal(computed, 1);
  });

  it("are computed once per window of a long recording", async () => {
    computed = 0;
    const result = await transcribeWithWhisper(
      pipe,
      { samples: noise(40), language: "auto" },
      new AbortController().signal,
    );
    assert.equal(result.windows.length, 2);
    assert.equal(computed, 2);
  });
});
