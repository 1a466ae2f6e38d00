/**
 * The fixtures loaded through the same adapter base a real model uses: transformers.js reads
 * them from `fixtures/models` with remote downloads off, runs them, and disposes them.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ModelRegistry } from "@huggingface/transformers";
import { pino } from "pino";
import {
  QWEN_ANSWER,
  TTS_AMPLITUDE,
  TTS_SAMPLES_PER_ID,
  TTS_SAMPLING_RATE,
  TTS_TONE_HZ,
  WHISPER_SENTENCE,
} from "../../scripts/make-fixtures.js";
import {
  fixtureModelsDir,
  resolveProfile,
  type CatalogueTask,
} from "../../src/models/catalogue/index.js";
import {
  configureRuntime,
  detectCuda,
  modelFiles,
  TransformersModel,
  type ModelConfigHints,
  type ModelDtype,
  type RuntimeSettings,
} from "../../src/models/runtime/index.js";

const logger = pino({ level: "silent" });
const fixture = resolveProfile("fixture", {}, { cudaAvailable: false });

interface AsrPipe {
  (audio: Float32Array, options?: Record<string, unknown>): Promise<{ text: string }>;
  dispose(): Promise<void>;
}
interface ChatPipe {
  (
    messages: { role: string; content: string }[],
    options: Record<string, unknown>,
  ): Promise<{ generated_text: { role: string; content: string }[] }[]>;
  dispose(): Promise<void>;
}
interface TtsPipe {
  (text: string): Promise<{ audio: Float32Array; sampling_rate: number }>;
  dispose(): Promise<void>;
}

describe("fixture models through TransformersModel", () => {
  let runtime: RuntimeSettings;
  const loaded: TransformersModel<never, unknown>[] = [];
  const signal = new AbortController().signal;

  before(() => {
    runtime = configureRuntime({ modelsDir: fixtureModelsDir, allowRemoteModels: false, logger });
  });
  after(async () => {
    for (const model of loaded) await model.unload();
  });

  function adapter<In, Out, P extends { dispose(): Promise<void> }>(
    task: CatalogueTask,
    run: (pipe: P, input: In, signal: AbortSignal) => Promise<Out>,
  ): TransformersModel<In, Out, P> {
    const model = new TransformersModel<In, Out, P>({
      id: task,
      task: task === "tts-ru" || task === "tts-en" ? "tts" : task,
      spec: fixture.models[task],
      runtime,
      logger,
      run,
    });
    loaded.push(model as unknown as TransformersModel<never, unknown>);
    return model;
  }

  it("whisper transcribes to the fixture's fixed sentence", async () => {
    const asr = adapter<Float32Array, string, AsrPipe>("asr", async (pipe, audio) => {
      const { text } = await pipe(audio, { language: "en", task: "transcribe" });
      return text.trim();
    });
    assert.ok(asr.estimatedBytes > 0);
    const report = await asr.load();
    assert.equal(report.device, "cpu");
    assert.equal(typeof report.measuredBytes, "number");
    assert.equal(await asr.run(new Float32Array(16_000), signal), WHISPER_SENTENCE.trim());
    await asr.unload();
  });

  it("qwen3_5 answers a chat with the fixture's fixed reply", async () => {
    const chat = adapter<string, string, ChatPipe>("chat", async (pipe, text) => {
      const [out] = await pipe([{ role: "user", content: text }], {
        max_new_tokens: 32,
        do_sample: false,
        tokenizer_encode_kwargs: { enable_thinking: false },
      });
      return out?.generated_text.at(-1)?.content ?? "";
    });
    await chat.load();
    assert.equal(await chat.run("Привет!", signal), QWEN_ANSWER);
    await chat.unload();
  });

  it(
    "falls back to CPU for real when the CUDA provider is absent",
    { skip: detectCuda().available && "CUDA is usable here" },
    async () => {
      const tts = new TransformersModel<string, unknown, TtsPipe>({
        id: "tts-cuda",
        task: "tts",
        spec: { ...fixture.models["tts-en"], device: "cuda" },
        runtime,
        logger,
        run: (pipe, text) => pipe(text),
      });
      loaded.push(tts as unknown as TransformersModel<never, unknown>);
      const report = await tts.load();
      assert.equal(report.device, "cpu");
      assert.match(report.note ?? "", /^cuda failed \(.+\), fell back to cpu fp32$/);
      await tts.unload();
    },
  );

  for (const task of ["tts-ru", "tts-en"] as const) {
    it(`${task} speaks the fixture's tone, 2n+1 ids long`, async () => {
      const tts = adapter<string, { audio: Float32Array; sampling_rate: number }, TtsPipe>(
        task,
        (pipe, text) => pipe(text),
      );
      await tts.load();
      const text = task === "tts-ru" ? "Привет" : "Hello!";
      const { audio, sampling_rate } = await tts.run(text, signal);
      assert.equal(sampling_rate, TTS_SAMPLING_RATE);
      // 6 characters, blanks between and around them: 13 ids.
      assert.equal(audio.length, 13 * TTS_SAMPLES_PER_ID);
      const hz = TTS_TONE_HZ[task === "tts-ru" ? "mms-tts-rus" : "mms-tts-eng"];
      for (const t of [0, 1, 7, 1234, audio.length - 1]) {
        const expected =
          TTS_AMPLITUDE *
          Math.sin((2 * Math.PI * hz * (t % TTS_SAMPLING_RATE)) / TTS_SAMPLING_RATE);
        assert.ok(
          Math.abs((audio[t] ?? NaN) - expected) < 1e-4,
          `sample ${t}: ${audio[t]} vs ${expected}`,
        );
      }
      await tts.unload();
    });
  }
});

describe("the model file table", () => {
  before(() => configureRuntime({ modelsDir: fixtureModelsDir, allowRemoteModels: false, logger }));

  for (const task of ["asr", "chat", "tts-en", "embed"] as const) {
    it(`lists what transformers.js's ModelRegistry lists for ${task}`, async () => {
      const { modelId, pipelineTask } = fixture.models[task];
      for (const dtype of ["fp32", "q8", "q4f16"] satisfies ModelDtype[]) {
        const expected = await ModelRegistry.get_pipeline_files(pipelineTask, modelId, {
          dtype,
          device: "cpu",
        });
        const config = JSON.parse(
          readFileSync(join(fixtureModelsDir, modelId, "config.json"), "utf8"),
        ) as ModelConfigHints;
        const ours = modelFiles(pipelineTask, dtype, config).map((f) => f.path);
        assert.deepEqual([...ours].sort(), [...expected].sort(), `${modelId} at ${dtype}`);
      }
    });
  }
});
