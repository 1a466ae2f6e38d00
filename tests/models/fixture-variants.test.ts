/**
 * The misbehaving fixture variants (fixtures/README.md) through transformers.js's real loading
 * and generation path: each must behave the way the real failure it stands for does.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  env,
  pipeline,
  Tensor,
  type AutomaticSpeechRecognitionPipeline,
} from "@huggingface/transformers";
import {
  FIXTURES_DIR,
  WHISPER_HALLUCINATION,
  WHISPER_SENTENCE,
} from "../../scripts/make-fixtures.js";

const cacheDir = await mkdtemp(join(tmpdir(), "fixture-variants-cache-"));
env.localModelPath = FIXTURES_DIR;
env.allowRemoteModels = false;
env.cacheDir = cacheDir;
const OPTIONS = { device: "cpu", dtype: "fp32" } as const;
after(() => rm(cacheDir, { recursive: true, force: true }));

async function asr(name: string): Promise<AutomaticSpeechRecognitionPipeline> {
  return pipeline("automatic-speech-recognition", `fixture/${name}`, OPTIONS);
}

/** Deterministic noise at `amplitude`: clearly not silence. */
function noise(seconds: number, amplitude = 0.25): Float32Array {
  const samples = new Float32Array(Math.round(seconds * 16000));
  let state = 12345;
  for (let i = 0; i < samples.length; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    samples[i] = (state / 2 ** 31 - 0.5) * 2 * amplitude;
  }
  return samples;
}

async function transcribe(
  pipe: AutomaticSpeechRecognitionPipeline,
  audio: Float32Array,
  maxNewTokens?: number,
): Promise<string> {
  const output = await pipe(audio, {
    language: "en",
    task: "transcribe",
    ...(maxNewTokens ? { max_new_tokens: maxNewTokens } : {}),
  });
  return ((Array.isArray(output) ? output[0] : output)?.text ?? "").trim();
}

describe("fixture/whisper-looping", () => {
  it("repeats its sentence until max_new_tokens stops it", async () => {
    const pipe = await asr("whisper-looping");
    const sentenceTokens = pipe.tokenizer.encode(WHISPER_SENTENCE, {
      add_special_tokens: false,
    }).length;
    const short = await transcribe(pipe, noise(1), 2 * sentenceTokens);
    const long = await transcribe(pipe, noise(1), 4 * sentenceTokens);
    const repeats = (text: string) => text.split("The quick brown fox").length - 1;
    assert.ok(repeats(short) >= 2, short);
    assert.ok(repeats(long) >= 4, long);
    const generated = (text: string) =>
      pipe.tokenizer.encode(text, { add_special_tokens: false }).length;
    assert.ok(generated(long) > generated(short), "only the token cap ends the loop");
    await pipe.dispose();
  });
});

describe("fixture/whisper-hallucinating", () => {
  it("says the known hallucination on silence and the sentence otherwise", async () => {
    const pipe = await asr("whisper-hallucinating");
    assert.equal(await transcribe(pipe, new Float32Array(16000)), WHISPER_HALLUCINATION.trim());
    assert.equal(await transcribe(pipe, noise(1)), WHISPER_SENTENCE.trim());
    await pipe.dispose();
  });
});

describe("fixture/whisper-fp16-logits", () => {
  it("returns float16 logits from its decoder, and still transcribes", async () => {
    const pipe = await asr("whisper-fp16-logits");
    const { input_features } = (await pipe.processor(noise(1))) as { input_features: Tensor };
    const decoderInputIds = new Tensor(
      "int64",
      BigInt64Array.from([
        BigInt(
          (pipe.model.config as { decoder_start_token_id?: number }).decoder_start_token_id ?? 0,
        ),
      ]),
      [1, 1],
    );
    const { logits } = (await pipe.model({
      input_features,
      decoder_input_ids: decoderInputIds,
    })) as { logits: Tensor };
    assert.equal(logits.type, "float16");
    assert.equal(await transcribe(pipe, noise(1)), WHISPER_SENTENCE.trim());
    await pipe.dispose();
  });
});

describe("fixture/missing", () => {
  it("has a config and tokenizer but no ONNX files, so loading it fails", async () => {
    await assert.rejects(
      pipeline("text-generation", "fixture/missing", OPTIONS),
      /onnx|not found|could not locate/i,
    );
  });
});
