/**
 * A recording heard in pieces: one ASR job per speech window, each re-entering the model's
 * line, with the outcome one job over all windows gives. The ASR handle runs the real
 * window loop of the Whisper adapter (`transcribeWithWhisper`) on a stand-in pipeline whose
 * words and language depend on the audio it is given, so a wrong sample, window or language
 * decision shows in the result.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Tensor } from "@huggingface/transformers";
import pino from "pino";
import {
  transcribeWithWhisper,
  type AsrInput,
  type AsrResult,
  type WhisperPipeline,
} from "../../src/models/adapters/asr-whisper.js";
import type { VadInput, VadResult } from "../../src/models/adapters/vad-silero.js";
import type { RunOptions } from "../../src/models/contract.js";
import { concatFloats } from "../../src/media/audio-pcm.js";
import { ManualClock } from "../../src/shared/clock.js";
import { ChatNormalizer, type Normalizer } from "../../src/services/chat/index.js";
import {
  DEFAULT_VAD_SETTINGS,
  DEFAULT_WINDOW_SETTINGS,
  planSpeechWindows,
  SpeechService,
  type SpeechServiceOptions,
} from "../../src/services/speech/index.js";
import { RecordingHandle } from "../support/model-handle.js";
import { encodePcm } from "../support/speech-audio.js";
import { silent, stubChat } from "../chat/stub-chat.js";
import { NO_CARRY } from "./vad-support.js";

const logger = pino({ level: "silent" });
const RATE = 16_000;
const OWNER = "tg:7";

/**
 * Whisper stand-in: a window's "transcript" names each second's level (`w40` for 0.0040), and
 * the language it detects is "ru" for loud audio (mean level above 0.01), "en" otherwise.
 */
function levelPipeline(): WhisperPipeline {
  const pipe = async (audio: Float32Array) => {
    const words: string[] = [];
    for (let i = 0; i < audio.length; i += RATE) words.push(`w${Math.round(audio[i]! * 1e4)}`);
    return { text: ` ${words.join(" ")}` };
  };
  const langToId = { "<|en|>": 1, "<|ru|>": 2 };
  const model = async (inputs: Record<string, unknown>) => {
    const [level] = (inputs.input_features as Tensor).data as Float32Array;
    const logits = Float32Array.from([0, 1, level! * 100]);
    return { logits: new Tensor("float32", logits, [1, 1, 3]) };
  };
  return Object.assign(pipe, {
    dispose: async () => undefined,
    processor: async (audio: Float32Array) => {
      const level = audio.reduce((sum, v) => sum + Math.abs(v), 0) / audio.length;
      return { input_features: new Tensor("float32", Float32Array.from([level]), [1, 1]) };
    },
    model: Object.assign(model, {
      generation_config: { decoder_start_token_id: 0, is_multilingual: true, lang_to_id: langToId },
    }),
  });
}

/** The ASR model behind a handle: the adapter's window loop on the stand-in pipeline. */
function whisperHandle() {
  const pipe = levelPipeline();
  return new RecordingHandle<AsrInput, AsrResult>({
    id: "asr",
    run: (input, options) =>
      transcribeWithWhisper(pipe, input, options?.signal ?? new AbortController().signal, clock),
  });
}

const clock = new ManualClock();

/** A VAD stand-in that hears speech wherever the audio is not silent; records what it got. */
function levelVad() {
  return new RecordingHandle<VadInput, VadResult>({
    id: "vad",
    run: async ({ samples }) => {
      const probs = new Float32Array(Math.ceil(samples.length / 512));
      for (let frame = 0; frame < probs.length; frame++) {
        const heard = samples.subarray(frame * 512, (frame + 1) * 512);
        probs[frame] = heard.some((v) => Math.abs(v) > 1e-3) ? 0.95 : 0;
      }
      return { probs, frameSamples: 512, sampleRate: RATE, carry: NO_CARRY };
    },
  });
}

/**
 * Speech spans of 25 s at the given levels (each second a little louder than the last, so
 * every word differs), 3 s of silence around each: one Whisper window per span.
 */
function recording(levels: readonly number[]): Buffer {
  const pause = 3 * RATE;
  const span = 25 * RATE;
  const samples = new Float32Array(pause + levels.length * (span + pause));
  levels.forEach((level, n) => {
    const start = pause + n * (span + pause);
    for (let i = 0; i < span; i++) samples[start + i] = level + Math.floor(i / RATE) * 1e-4;
  });
  return encodePcm(samples, "wav", ["-c:a", "pcm_f32le"]);
}

function service(overrides: Partial<SpeechServiceOptions>) {
  return new SpeechService({
    asr: whisperHandle(),
    vad: levelVad(),
    voices: {},
    logger,
    clock,
    ...overrides,
  });
}

describe("SpeechService: a recording heard in pieces", () => {
  it("runs three windows as three batch ASR jobs with the transcript one job gives", async () => {
    const asr = whisperHandle();
    const vad = levelVad();
    // The last span is the loudest: its language ("ru") is the recording's, while the first
    // span heard alone would be taken for English.
    const bytes = recording([0.004, 0.006, 0.03]);
    const heard: number[] = [];
    const result = await service({ asr, vad }).transcribe(bytes, {
      owner: OWNER,
      onHeard: (heardS) => heard.push(heardS),
    });

    assert.equal(asr.runs.length, 3);
    assert.deepEqual(asr.scheduling(), Array(3).fill({ owner: OWNER, workClass: "batch" }));
    // 87 s: three VAD pieces of 30.72 s.
    assert.deepEqual(vad.scheduling(), Array(3).fill({ owner: OWNER, workClass: "batch" }));
    assert.deepEqual(
      asr.runs.map(({ input }) => [input.language, input.windows?.length]),
      [
        ["auto", 1],
        ["ru", 1],
        ["ru", 1],
      ],
      "the first job detects, the others are told its language",
    );

    // The same recording as one job over all windows, as the service ran it before.
    const samples = concatFloats(vad.runs.map((run) => run.input.samples));
    const windows = planSpeechWindows(
      { ...(await vad.run({ samples })), totalSamples: samples.length },
      DEFAULT_VAD_SETTINGS,
      DEFAULT_WINDOW_SETTINGS,
    );
    const whole = await whisperHandle().run({
      samples,
      language: "auto",
      windows: windows.map((w) => ({
        startSample: w.start,
        endSample: w.end,
        pieces: w.pieces.map((p) => ({ startSample: p.start, endSample: p.end })),
      })),
    });
    assert.equal(whole.language, "ru");
    assert.deepEqual(result.segments, whole.segments);
    assert.deepEqual(result.windows, whole.windows);
    assert.equal(result.text, whole.text);
    assert.equal(result.language, whole.language);
    assert.equal(result.durationS, whole.durationS);
    assert.match(result.text, /\bw40 w41 .* w64 .* w84 .* w324$/, "every second heard, in order");
    assert.deepEqual(
      heard,
      whole.windows.map((w) => w.endS),
      "progress after each job, in seconds of the recording",
    );

    const firstAlone = await whisperHandle().run({
      samples,
      language: "auto",
      windows: [{ startSample: windows[0]!.start, endSample: windows[0]!.end }],
    });
    assert.equal(firstAlone.language, "en", "why the first job is given the loudest window");
  });

  it("a recording of one window is one job in the class it was asked with", async () => {
    const asr = whisperHandle();
    const vad = levelVad();
    const speech = service({ asr, vad, asrLanguage: "ru" });
    await speech.transcribe(recording([0.02]), { owner: OWNER });
    await speech.transcribe(recording([0.02]), { owner: OWNER, workClass: "batch" });
    assert.deepEqual(asr.scheduling(), [
      { owner: OWNER, workClass: "interactive" },
      { owner: OWNER, workClass: "batch" },
    ]);
    // 31 s: two VAD pieces each time, batch whatever the request's class.
    assert.deepEqual(vad.scheduling(), Array(4).fill({ owner: OWNER, workClass: "batch" }));
  });

  it("cleans up with the request's signal, owner and class, and a cancel stops the clean-up", async () => {
    const seen: RunOptions[] = [];
    const recorded: Normalizer = {
      normalize: async (text, _kind, _lang, options = {}) => {
        seen.push(options);
        return text;
      },
    };
    const controller = new AbortController();
    await service({ normalizer: recorded }).transcribe(recording([0.004, 0.03]), {
      owner: OWNER,
      normalize: true,
      signal: controller.signal,
    });
    assert.equal(seen[0]?.signal, controller.signal);
    assert.deepEqual([seen[0]?.owner, seen[0]?.workClass], [OWNER, "batch"]);

    const cancel = new AbortController();
    const chat = stubChat(() => {
      cancel.abort();
      return ["cleaned"];
    });
    const normalizer = new ChatNormalizer({ model: chat.handle, logger: silent });
    await assert.rejects(
      service({ normalizer }).transcribe(recording([0.02]), {
        normalize: true,
        signal: cancel.signal,
      }),
      { code: "job.cancelled" },
    );
    assert.equal(chat.calls.length, 1);
  });
});
