import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Tensor } from "@huggingface/transformers";
import {
  WHISPER_SAMPLE_RATE,
  mergeTranscripts,
  planWindows,
  transcribeWithWhisper,
  type WhisperPipeline,
} from "../../src/models/adapters/asr-whisper.js";
import { ManualClock } from "../../src/shared/clock.js";
import { AppError } from "../../src/shared/errors.js";

const RATE = WHISPER_SAMPLE_RATE;

describe("planWindows", () => {
  it("covers every second of a 75 s clip with ≤ 30 s windows overlapping by 5 s", () => {
    const plan = planWindows(75 * RATE, RATE, { windowS: 30, strideS: 5 });
    assert.deepEqual(
      plan.map(({ startS, endS }) => [startS, endS]),
      [
        [0, 30],
        [25, 55],
        [50, 75],
      ],
    );
    for (let second = 0; second < 75; second++) {
      assert.ok(
        plan.some((w) => w.startS <= second && w.endS >= second + 1),
        `second ${second} is covered`,
      );
    }
    for (const [i, window] of plan.entries()) {
      assert.ok(window.endS - window.startS <= 30);
      assert.equal(window.endSample - window.startSample, (window.endS - window.startS) * RATE);
      const next = plan[i + 1];
      if (next) assert.equal(window.endS - next.startS, 5, "neighbours overlap by the stride");
    }
    assert.equal(plan.at(-1)?.endSample, 75 * RATE);
  });

  it("uses one window for short audio, none for no audio, and ends exactly at the last sample", () => {
    assert.deepEqual(
      planWindows(7 * RATE, RATE).map((w) => [w.startS, w.endS]),
      [[0, 7]],
    );
    assert.deepEqual(planWindows(0, RATE), []);
    const odd = planWindows(30 * RATE + 1, RATE);
    assert.deepEqual(
      odd.map((w) => [w.startSample, w.endSample]),
      [
        [0, 30 * RATE],
        [25 * RATE, 30 * RATE + 1],
      ],
    );
    assert.throws(() => planWindows(RATE, RATE, { windowS: 5, strideS: 5 }), RangeError);
  });
});

describe("mergeTranscripts", () => {
  it("keeps overlapped words once", () => {
    assert.equal(
      mergeTranscripts("one two three four five", "four five six seven"),
      "one two three four five six seven",
    );
  });

  it("tolerates words garbled at the window edges", () => {
    assert.equal(
      mergeTranscripts("a b c d e f g", "h-- e f g h i").split(" ").join(" "),
      "a b c d e f g h i",
    );
    assert.equal(
      mergeTranscripts("alpha beta gamma delta epsilon zet", "ta gamma delta epsilon zeta eta"),
      "alpha beta gamma delta epsilon zeta eta",
    );
  });

  it("matches words regardless of case and punctuation", () => {
    assert.equal(
      mergeTranscripts("Мы пошли Домой. потом", "домой, Потом ели суп."),
      "Мы пошли Домой. Потом ели суп.",
    );
  });

  it("joins texts that share nothing and handles empty sides", () => {
    assert.equal(mergeTranscripts("hello there", "general kenobi"), "hello there general kenobi");
    assert.equal(mergeTranscripts("", "first"), "first");
    assert.equal(mergeTranscripts("last", ""), "last");
  });
});

/**
 * A stand-in for the transformers.js pipeline: the audio carries, in each second's
 * samples, that second's number; the "transcript" names the seconds heard ("s0 s1 …"),
 * with the words at the window edges garbled the way a cut word is.
 */
function secondsPipeline(
  calls: Record<string, unknown>[],
  languageLogits?: Record<string, number>,
): WhisperPipeline {
  const langToId = { "<|en|>": 1, "<|ru|>": 2 };
  const pipe = async (audio: Float32Array, options: Record<string, unknown>) => {
    calls.push(options);
    const words: string[] = [];
    for (let i = 0; i < audio.length; i += RATE)
      words.push(`s${Math.round((audio[i] ?? 0) * 1000)}`);
    words[0] = `${words[0]}x`;
    words[words.length - 1] = `x${words.at(-1)}`;
    return { text: ` ${words.join(" ")}` };
  };
  const model = async () => {
    const logits = new Float32Array(3);
    for (const [token, value] of Object.entries(languageLogits ?? {}))
      logits[langToId[token as keyof typeof langToId]] = value;
    return { logits: new Tensor("float32", logits, [1, 1, 3]) };
  };
  return Object.assign(pipe, {
    dispose: async () => undefined,
    processor: async (audio: Float32Array) => {
      calls.push({ detectedFromSecond: Math.round((audio[0] ?? 0) * 1000) });
      return { input_features: new Tensor("float32", new Float32Array(1), [1, 1]) };
    },
    model: Object.assign(model, {
      generation_config: { decoder_start_token_id: 0, is_multilingual: true, lang_to_id: langToId },
    }),
  });
}

function numberedSeconds(seconds: number): Float32Array {
  const samples = new Float32Array(seconds * RATE);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.floor(i / RATE) / 1000;
  return samples;
}

describe("transcribeWithWhisper", () => {
  it("hears every second of 75 s once, reporting each window", async () => {
    const calls: Record<string, unknown>[] = [];
    const result = await transcribeWithWhisper(
      secondsPipeline(calls),
      { samples: numberedSeconds(75), language: "ru" },
      new AbortController().signal,
      new ManualClock(),
    );
    const words = result.text.split(" ").map((word) => word.replace(/x/g, ""));
    assert.deepEqual(
      words,
      Array.from({ length: 75 }, (_, s) => `s${s}`),
    );
    assert.equal(result.durationS, 75);
    assert.equal(result.language, "ru");
    assert.deepEqual(
      result.windows.map((w) => [w.startS, w.endS]),
      [
        [0, 30],
        [25, 55],
        [50, 75],
      ],
    );
    assert.deepEqual(calls, Array(3).fill({ language: "ru", task: "transcribe" }));
  });

  it("detects the language once, on the loudest window, and forces it on every window", async () => {
    const calls: Record<string, unknown>[] = [];
    const result = await transcribeWithWhisper(
      secondsPipeline(calls, { "<|en|>": 1, "<|ru|>": 5 }),
      { samples: numberedSeconds(40), language: "auto" },
      new AbortController().signal,
    );
    assert.equal(result.language, "ru");
    // Seconds are numbered upwards, so the later window [25, 40] is the louder one.
    assert.deepEqual(calls, [
      { detectedFromSecond: 25 },
      { language: "ru", task: "transcribe" },
      { language: "ru", task: "transcribe" },
    ]);
  });

  it("detects only among the candidate languages when given", async () => {
    const result = await transcribeWithWhisper(
      secondsPipeline([], { "<|en|>": 1, "<|ru|>": 5 }),
      { samples: numberedSeconds(5), language: "auto", candidates: ["en"] },
      new AbortController().signal,
    );
    assert.equal(result.language, "en");
  });

  it("stops between windows when cancelled", async () => {
    const controller = new AbortController();
    const calls: Record<string, unknown>[] = [];
    const pipe = secondsPipeline(calls);
    const cancelling = Object.assign(
      async (audio: Float32Array, options: Record<string, unknown>) => {
        controller.abort();
        return pipe(audio, options);
      },
      pipe,
    );
    await assert.rejects(
      transcribeWithWhisper(
        cancelling,
        { samples: numberedSeconds(75), language: "en" },
        controller.signal,
      ),
      (error: unknown) => error instanceof AppError && error.code === "job.cancelled",
    );
    assert.equal(calls.length, 1);
  });
});
