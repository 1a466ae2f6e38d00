import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  env,
  pipeline,
  TextStreamer,
  type AutomaticSpeechRecognitionPipeline,
  type TextGenerationPipeline,
  type TextToAudioPipeline,
} from "@huggingface/transformers";
import {
  FIXTURES_DIR,
  makeFixtures,
  QWEN3_5_CHAT_TEMPLATE,
  QWEN_ANSWER,
  QWEN_CONTEXT_TOKENS,
  TTS_AMPLITUDE,
  TTS_SAMPLES_PER_ID,
  TTS_SAMPLING_RATE,
  TTS_TONE_HZ,
  WHISPER_SENTENCE,
} from "../../scripts/make-fixtures.js";

const cacheDir = await mkdtemp(join(tmpdir(), "fixtures-test-cache-"));
env.localModelPath = FIXTURES_DIR;
env.allowRemoteModels = false;
env.cacheDir = cacheDir;
const OPTIONS = { device: "cpu", dtype: "fp32" } as const;

after(() => rm(cacheDir, { recursive: true, force: true }));

/** A 16 kHz signal that is not silence, so the fixture's indifference to audio is real. */
function noise(seconds: number): Float32Array {
  const samples = new Float32Array(Math.round(seconds * 16000));
  let state = 12345;
  for (let i = 0; i < samples.length; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    samples[i] = (state / 2 ** 31 - 0.5) * 0.5;
  }
  return samples;
}

describe("fixture/whisper", () => {
  let asr: AutomaticSpeechRecognitionPipeline;
  before(async () => {
    asr = await pipeline("automatic-speech-recognition", "fixture/whisper", OPTIONS);
  });
  after(() => asr.dispose());

  it("carries whisper-large-v3-turbo's generation config, with matching tokenizer ids", async () => {
    const config = JSON.parse(
      await readFile(join(FIXTURES_DIR, "fixture/whisper/generation_config.json"), "utf8"),
    ) as Record<string, unknown> & { lang_to_id: Record<string, number> };
    assert.equal(Object.keys(config.lang_to_id).length, 100);
    assert.equal(config.lang_to_id["<|en|>"], 50259);
    assert.equal(config.lang_to_id["<|ru|>"], 50263);
    assert.equal(config.lang_to_id["<|yue|>"], 50358);
    assert.deepEqual(config.task_to_id, { translate: 50359, transcribe: 50360 });
    assert.equal(config.decoder_start_token_id, 50258);
    assert.equal(config.no_timestamps_token_id, 50364);
    assert.equal(config.max_length, 448);
    assert.equal(config.is_multilingual, true);
    assert.deepEqual(config.begin_suppress_tokens, [220, 50257]);
    assert.equal((config.suppress_tokens as number[]).length, 88);
    const id = (token: string) => asr.tokenizer.convert_tokens_to_ids(token);
    for (const [token, expected] of Object.entries(config.lang_to_id)) {
      assert.equal(id(token), expected);
    }
    assert.equal(id("<|notimestamps|>"), 50364);
    assert.equal(id("<|0.00|>"), 50365);
    assert.equal(id("<|30.00|>"), 51865);
  });

  it("transcribes any audio as the fixed sentence", async () => {
    assert.deepEqual(await asr(noise(3), { language: "en" }), { text: WHISPER_SENTENCE });
  });

  it("accepts a forced language and task", async () => {
    const silence = new Float32Array(8000);
    assert.deepEqual(await asr(silence, { language: "russian", task: "transcribe" }), {
      text: WHISPER_SENTENCE,
    });
  });

  it("returns one 0-2 s segment when timestamps are requested", async () => {
    assert.deepEqual(await asr(noise(3), { language: "en", return_timestamps: true }), {
      text: WHISPER_SENTENCE,
      chunks: [{ timestamp: [0, 2], text: WHISPER_SENTENCE }],
    });
  });

  it("emits <|en|> after <|startoftranscript|> when the language is not given", async () => {
    const { input_features } = await asr.processor(noise(1));
    const start = asr.model.generation_config?.decoder_start_token_id as number;
    const sequence = await asr.model.generate({
      inputs: input_features,
      decoder_input_ids: [start],
      // One step: the task tokens that follow are in the real suppress_tokens, so generate()
      // only reaches them when the pipeline forces them, as it does when transcribing.
      max_new_tokens: 1,
    });
    const ids = (sequence as unknown as { tolist(): bigint[][] }).tolist()[0] ?? [];
    assert.equal(asr.tokenizer.decode(ids.map(Number)), "<|startoftranscript|><|en|>");
  });

  it("transcribes every window of chunked long audio", async () => {
    const generate = asr.model.generate.bind(asr.model);
    const windows: string[] = [];
    asr.model.generate = async (args) => {
      const out = await generate(args);
      const ids = (out as unknown as { tolist(): bigint[][] }).tolist()[0] ?? [];
      windows.push(asr.tokenizer.decode(ids.map(Number), { skip_special_tokens: true }));
      return out;
    };
    try {
      const result = await asr(noise(75), {
        language: "en",
        chunk_length_s: 30,
        stride_length_s: 5,
      });
      // Windows start at 0, 20, 40 and 60 s; transformers.js merges their overlaps.
      assert.deepEqual(windows, Array(4).fill(WHISPER_SENTENCE));
      assert.deepEqual(result, { text: WHISPER_SENTENCE });
    } finally {
      asr.model.generate = generate;
    }
  });
});

describe("fixture/qwen3_5", () => {
  let chat: TextGenerationPipeline;
  before(async () => {
    chat = await pipeline("text-generation", "fixture/qwen3_5", OPTIONS);
  });
  after(() => chat.dispose());

  const messages = [
    { role: "system", content: "Ты полезный ассистент." },
    { role: "user", content: "Привет! Can you hear me? 👋" },
  ];
  const noThinking = { tokenizer_encode_kwargs: { enable_thinking: false } };

  it("runs through transformers.js's Qwen3.5 class, text-only, with Qwen3.5's real configs", async () => {
    assert.equal(chat.model.constructor.name, "Qwen3_5ForCausalLM");
    assert.deepEqual(Object.keys(chat.model.sessions).sort(), [
      "decoder_model_merged",
      "embed_tokens",
    ]);
    const decoder = chat.model.sessions["decoder_model_merged"] as { inputNames: string[] };
    assert.ok(decoder.inputNames.includes("inputs_embeds"));
    assert.ok(
      decoder.inputNames.includes("past_conv.0") && decoder.inputNames.includes("past_recurrent.0"),
    );
    assert.ok(decoder.inputNames.includes("past_key_values.3.key"));
    assert.equal(chat.tokenizer.model_max_length, QWEN_CONTEXT_TOKENS);
    assert.equal(chat.tokenizer.chat_template, QWEN3_5_CHAT_TEMPLATE);
    const ids = Object.fromEntries(
      ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>"].map((t) => [
        t,
        chat.tokenizer.convert_tokens_to_ids(t),
      ]),
    );
    assert.deepEqual(ids, {
      "<|endoftext|>": 248044,
      "<|im_start|>": 248045,
      "<|im_end|>": 248046,
      "<think>": 248068,
      "</think>": 248069,
    });
  });

  it("answers any chat with the fixed sentence, streamed in several chunks", async () => {
    const chunks: string[] = [];
    const streamer = new TextStreamer(chat.tokenizer, {
      skip_prompt: true,
      callback_function: (text: string) => chunks.push(text),
    });
    const output = await chat(messages, { max_new_tokens: 64, streamer, ...noThinking });
    const generated = (output as Array<{ generated_text: unknown }>)[0]?.generated_text;
    assert.deepEqual(generated, [...messages, { role: "assistant", content: QWEN_ANSWER }]);
    assert.ok(chunks.length > 1, `expected several chunks, got ${JSON.stringify(chunks)}`);
    assert.equal(chunks.join(""), QWEN_ANSWER);
  });

  it("with thinking on (the template's default), closes the open reasoning block first", async () => {
    const output = await chat(messages, { max_new_tokens: 64 });
    const generated = (output as Array<{ generated_text: Array<{ content: string }> }>)[0];
    assert.equal(generated?.generated_text.at(-1)?.content, `</think>\n\n${QWEN_ANSWER}`);
  });

  it("stops at max_new_tokens", async () => {
    const output = await chat(messages, { max_new_tokens: 2, ...noThinking });
    const generated = (output as Array<{ generated_text: Array<{ content: string }> }>)[0];
    assert.equal(generated?.generated_text.at(-1)?.content, "Hello!");
  });

  it("tokenizes Russian and English text losslessly and renders Qwen3.5's template", () => {
    const text = "Привет, мир! Hello, world. Ёжик 🦔";
    const ids = chat.tokenizer.encode(text);
    assert.ok(ids.length > 0);
    assert.equal(chat.tokenizer.decode(ids), text);
    const render = (options: Record<string, unknown>) =>
      chat.tokenizer.apply_chat_template(messages, {
        tokenize: false,
        add_generation_prompt: true,
        ...options,
      });
    const turns =
      "<|im_start|>system\nТы полезный ассистент.<|im_end|>\n" +
      "<|im_start|>user\nПривет! Can you hear me? 👋<|im_end|>\n<|im_start|>assistant\n";
    assert.equal(render({}), `${turns}<think>\n`);
    assert.equal(render({ enable_thinking: false }), `${turns}<think>\n\n</think>\n\n`);
    // Earlier assistant turns lose their reasoning; the template trims every message.
    const history = chat.tokenizer.apply_chat_template(
      [
        { role: "user", content: " Hi " },
        { role: "assistant", content: "<think>\nhm\n</think>\n\nHello." },
        { role: "user", content: "Bye" },
      ],
      { tokenize: false },
    );
    assert.equal(
      history,
      "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello.<|im_end|>\n" +
        "<|im_start|>user\nBye<|im_end|>\n",
    );
  });
});

/** Samples of a tone for `text`: MMS puts a blank around every kept character (2n + 1 ids). */
function expectedSamples(keptCharacters: number): number {
  return (2 * keptCharacters + 1) * TTS_SAMPLES_PER_ID;
}

function signChanges(samples: Float32Array): number {
  let changes = 0;
  for (let i = 1; i < samples.length; i++) {
    if (Math.sign(samples[i] ?? 0) !== Math.sign(samples[i - 1] ?? 0)) changes++;
  }
  return changes;
}

for (const [id, texts] of [
  ["mms-tts-eng", { "Hello!": 6, "Hello, brave new world!": 23 }],
  ["mms-tts-rus", { "Привет!": 7, "Привет, дивный новый мир!": 25 }],
] as const) {
  describe(`fixture/${id}`, () => {
    let tts: TextToAudioPipeline;
    before(async () => {
      tts = await pipeline("text-to-speech", `fixture/${id}`, OPTIONS);
    });
    after(() => tts.dispose());

    async function speak(text: string): Promise<{ samples: Float32Array; rate: number }> {
      const audio = await tts(text);
      assert.ok(!Array.isArray(audio) && !Array.isArray(audio.audio));
      return { samples: audio.audio, rate: audio.sampling_rate };
    }

    it("speaks a tone whose length grows with the text", async () => {
      for (const [text, kept] of Object.entries(texts)) {
        const { samples, rate } = await speak(text);
        assert.equal(rate, TTS_SAMPLING_RATE);
        assert.equal(samples.length, expectedSamples(kept), text);
        const rms = Math.sqrt(samples.reduce((sum, x) => sum + x * x, 0) / samples.length);
        assert.ok(Math.abs(rms - TTS_AMPLITUDE / Math.SQRT2) < 0.01, `rms ${rms}`);
      }
    });

    it(`is a ${TTS_TONE_HZ[id]} Hz sine`, async () => {
      // Characters outside the voice's alphabet are dropped, so either voice keeps 5 here.
      const { samples } = await speak("a".repeat(5) + "о".repeat(5));
      const oneSecond = samples.subarray(0, TTS_SAMPLING_RATE);
      assert.ok(Math.abs(signChanges(oneSecond) - 2 * TTS_TONE_HZ[id]) <= 4);
    });
  });
}

describe("make-fixtures", () => {
  it("regenerates the committed files byte for byte", async () => {
    const outDir = await mkdtemp(join(tmpdir(), "fixtures-regen-"));
    try {
      const written = await makeFixtures(outDir);
      const committedFiles = (
        await readdir(join(FIXTURES_DIR, "fixture"), { recursive: true, withFileTypes: true })
      )
        .filter((entry) => entry.isFile())
        .map((entry) => relative(FIXTURES_DIR, join(entry.parentPath, entry.name)));
      assert.deepEqual([...written].sort(), committedFiles.sort());
      for (const file of written) {
        const fresh = await readFile(join(outDir, file));
        const stored = await readFile(join(FIXTURES_DIR, file));
        assert.ok(fresh.equals(stored), `${file} differs from the committed fixture`);
      }
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  });
});
