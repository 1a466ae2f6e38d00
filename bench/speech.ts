/**
 * Speech benchmark: decode time per minute of audio, ASR and TTS real-time factors, and
 * Opus encode time, with the fixture models and, when they are in MODELS_DIR (default
 * data/models), the CPU profile's real ones. Run with `npm run bench:speech`.
 * Then the voice activity detector (the real Silero VAD) on recordings built here with known
 * speech: espeak-ng sentences in Russian and English, trimmed of espeak's own silence, joined
 * by pauses of 0.5-10 s, with white noise added. It reports the VAD's speech recall and
 * precision (per sample, against the true sentence spans), the share of silence never sent
 * to Whisper, and Whisper windows (hence encoder passes: each hears 30 s) against fixed windows.
 * Last line: `speech: decode_ms_per_min=… asr_rtf=… tts_rtf=… encode_ms_per_min=…
 * asr_windows_saved=… vad_recall=… vad_precision=… silence_skipped=…`
 * (the real models' figures when present, else the fixtures').
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { decodeAudio } from "../src/media/audio-decode.js";
import { encodeVoice } from "../src/media/audio-encode.js";
import type { Pcm } from "../src/media/audio-pcm.js";
import { Ffmpeg } from "../src/media/ffmpeg.js";
import {
  createWhisperAsr,
  type AsrInput,
  type AsrResult,
} from "../src/models/adapters/asr-whisper.js";
import { createVitsTts } from "../src/models/adapters/tts-vits.js";
import { PROFILES, fixtureModelsDir, type ModelEntry } from "../src/models/catalogue/profiles.js";
import type { ManagedModel, ModelHandle } from "../src/models/contract.js";
import { configureRuntime } from "../src/models/runtime/environment.js";
import { SileroVad } from "../src/models/adapters/vad-silero.js";
import {
  DEFAULT_VAD_SETTINGS,
  planSpeechWindows,
  speechSpans,
  SpeechService,
  type Span,
} from "../src/services/speech/index.js";
import { planWindows } from "../src/models/adapters/asr-whisper.js";
import {
  buildRecording,
  ENGLISH_SENTENCES,
  espeakPcm,
  RUSSIAN_SENTENCES,
} from "../tests/support/speech-audio.js";
import { mulberry32 } from "./trace.js";

const logger = pino({ level: "silent" });
const vad = new SileroVad({ spec: PROFILES.fixture.vad, logger });
const RUNS = 5;
const TEXT =
  "Привет! Это проверка синтеза речи: в 2024 году было 1 500 000 запросов, т.е. рост на 12%. " +
  "The bot answers in English too, e.g. when you write in English. " +
  "Голосовые ответы звучат естественно, а длинный текст делится на предложения.";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function timeMs(fn: () => Promise<unknown>, runs = RUNS): Promise<number> {
  await fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  return median(times);
}

/** One minute of speech-like audio (a gliding, pulsing tone over noise), encoded by ffmpeg. */
function minuteOf(extension: string, codec: string[]): Buffer {
  const dir = mkdtempSync(join(tmpdir(), "speech-bench-"));
  try {
    const path = join(dir, `minute.${extension}`);
    const graph =
      "aevalsrc=0.4*sin(2*PI*(200+80*sin(t))*t)*(0.5+0.5*sin(2*PI*3*t))+0.02*random(0):s=48000:d=60";
    execFileSync("ffmpeg", [
      "-loglevel",
      "error",
      "-y",
      "-f",
      "lavfi",
      "-i",
      graph,
      ...codec,
      path,
    ]);
    return readFileSync(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function handleOf<In, Out>(model: ManagedModel<In, Out>): ModelHandle<In, Out> {
  return {
    id: model.id,
    run: (input, options) => model.run(input, options?.signal ?? new AbortController().signal),
  };
}

interface ModelSet {
  label: string;
  modelsDir: string;
  asr: ModelEntry;
  ru: ModelEntry;
  en: ModelEntry;
}

async function benchModels(
  set: ModelSet,
  voiceNote: Float32Array,
): Promise<{ asrRtf: number; ttsRtf: number }> {
  const runtime = configureRuntime({ modelsDir: set.modelsDir, allowRemoteModels: false, logger });
  const asr = createWhisperAsr({ spec: set.asr, runtime, logger });
  const ru = createVitsTts({ id: "tts-ru", spec: set.ru, runtime, logger });
  const en = createVitsTts({ id: "tts-en", spec: set.en, runtime, logger });
  const loadStarted = performance.now();
  await Promise.all([asr.load(), ru.load(), en.load()]);
  console.log(`[${set.label}] load asr+tts: ${(performance.now() - loadStarted).toFixed(0)} ms`);
  try {
    const asrHandle: ModelHandle<AsrInput, AsrResult> = handleOf(asr);
    const asrMs = await timeMs(() => asrHandle.run({ samples: voiceNote, language: "ru" }), 2);
    const asrRtf = asrMs / 1000 / (voiceNote.length / 16_000);
    console.log(
      `[${set.label}] asr: ${asrMs.toFixed(0)} ms for 60 s (3 windows), rtf ${asrRtf.toFixed(3)}`,
    );

    const speech = new SpeechService({
      asr: asrHandle,
      vad: handleOf(vad),
      voices: { ru: handleOf<string, Pcm>(ru), en: handleOf<string, Pcm>(en) },
      logger,
    });
    let durationS = 0;
    const ttsMs = await timeMs(async () => {
      durationS = (await speech.synthesize(TEXT)).durationS;
    });
    const ttsRtf = ttsMs / 1000 / durationS;
    console.log(
      `[${set.label}] tts (vits, incl. opus encode): ${ttsMs.toFixed(0)} ms for ${durationS.toFixed(1)} s, rtf ${ttsRtf.toFixed(3)}`,
    );
    return { asrRtf, ttsRtf };
  } finally {
    await Promise.all([asr.unload(), ru.unload(), en.unload()]);
  }
}

/** Samples covered by both span lists (each sorted and non-overlapping). */
function overlap(a: readonly Span[], b: readonly Span[]): number {
  let total = 0;
  let j = 0;
  for (const x of a) {
    while (j < b.length && b[j]!.end <= x.start) j++;
    for (let k = j; k < b.length && b[k]!.start < x.end; k++) {
      total += Math.max(0, Math.min(x.end, b[k]!.end) - Math.max(x.start, b[k]!.start));
    }
  }
  return total;
}

const length = (spans: readonly Span[]) => spans.reduce((sum, s) => sum + s.end - s.start, 0);

/** Recordings with known speech: sentences in both languages, 0.5-10 s pauses, noise. */
const VAD_RECORDINGS = [
  { sentences: 40, noise: 0.003, seed: 1 },
  { sentences: 40, noise: 0.01, seed: 2 },
  { sentences: 40, noise: 0.03, seed: 3 },
];

async function benchVad(): Promise<{
  recall: number;
  precision: number;
  silenceSkipped: number;
  windowsSaved: number;
}> {
  await vad.load();
  let [truth, detected, hit, silence, silenceSent, vadWindows, fixedWindows, audioS, vadMs] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0,
  ];
  const all = [...ENGLISH_SENTENCES, ...RUSSIAN_SENTENCES];
  for (const plan of VAD_RECORDINGS) {
    const random = mulberry32(plan.seed);
    const pieces = Array.from({ length: plan.sentences }, () => {
      const text = all[Math.floor(random() * all.length)]!;
      return espeakPcm(text, RUSSIAN_SENTENCES.includes(text) ? "ru" : "en");
    });
    const pausesS = Array.from({ length: plan.sentences + 1 }, () => 0.5 + 9.5 * random());
    const recording = buildRecording({ pieces, pausesS, noise: plan.noise, seed: plan.seed });
    const started = performance.now();
    const result = await vad.run({ samples: recording.samples }, new AbortController().signal);
    vadMs += performance.now() - started;
    const frames = { ...result, totalSamples: recording.samples.length };
    const spans = speechSpans(frames, DEFAULT_VAD_SETTINGS);
    const sent = planSpeechWindows(frames).flatMap((window) => window.pieces);
    const total = recording.samples.length;
    const silent = total - length(recording.speech);
    truth += length(recording.speech);
    detected += length(spans);
    hit += overlap(recording.speech, spans);
    silence += silent;
    silenceSent += length(sent) - overlap(recording.speech, sent);
    vadWindows += planSpeechWindows(frames).length;
    fixedWindows += planWindows(total, 16_000).length;
    audioS += total / 16_000;
    console.log(
      `vad: ${(total / 16_000).toFixed(0)} s, noise ${plan.noise}: recall ${(overlap(recording.speech, spans) / length(recording.speech)).toFixed(3)}, ` +
        `precision ${(overlap(recording.speech, spans) / length(spans)).toFixed(3)}`,
    );
  }
  await vad.unload();
  const figures = {
    recall: hit / truth,
    precision: hit / detected,
    silenceSkipped: 1 - silenceSent / silence,
    windowsSaved: 1 - vadWindows / fixedWindows,
  };
  console.log(
    `vad: ${audioS.toFixed(0)} s of audio (${((100 * truth) / 16_000 / audioS).toFixed(0)}% speech) in ${vadMs.toFixed(0)} ms; ` +
      `whisper windows ${vadWindows} with the VAD vs ${fixedWindows} fixed 30 s windows (5 s stride)`,
  );
  return figures;
}

async function main(): Promise<void> {
  const ffmpeg = new Ffmpeg();
  const ogg = minuteOf("ogg", ["-ac", "1", "-c:a", "libopus", "-b:a", "32k"]);
  const m4a = minuteOf("m4a", ["-ac", "1", "-c:a", "aac"]);
  const decodeOggMs = await timeMs(() => decodeAudio(ffmpeg, ogg, { maxSeconds: 600 }));
  const decodeM4aMs = await timeMs(() => decodeAudio(ffmpeg, m4a, { maxSeconds: 600 }));
  console.log(`decode 60 s OGG/Opus (pipe): ${decodeOggMs.toFixed(0)} ms`);
  console.log(`decode 60 s M4A/AAC (temp file + ffprobe): ${decodeM4aMs.toFixed(0)} ms`);

  const voiceNote = await decodeAudio(ffmpeg, ogg, { maxSeconds: 600 });
  const minutePcm: Pcm = { samples: voiceNote, sampleRate: 16_000 };
  const encodeMs = await timeMs(() => encodeVoice(ffmpeg, minutePcm));
  console.log(`encode 60 s PCM → OGG/Opus 48 kHz: ${encodeMs.toFixed(0)} ms`);

  const espeakOnly = new SpeechService({
    asr: { id: "none", run: () => Promise.reject(new Error("unused")) },
    vad: { id: "none", run: () => Promise.reject(new Error("unused")) },
    voices: {},
    logger,
  });
  let espeakS = 0;
  const espeakMs = await timeMs(async () => {
    espeakS = (await espeakOnly.synthesize(TEXT)).durationS;
  });
  console.log(
    `tts (espeak-ng, incl. opus encode): ${espeakMs.toFixed(0)} ms for ${espeakS.toFixed(1)} s, rtf ${(espeakMs / 1000 / espeakS).toFixed(3)}`,
  );

  const fixture = PROFILES.fixture.models;
  let figures = await benchModels(
    {
      label: "fixture",
      modelsDir: fixtureModelsDir,
      asr: fixture.asr,
      ru: fixture["tts-ru"],
      en: fixture["tts-en"],
    },
    voiceNote,
  );
  let source = "fixture";
  const modelsDir = process.env.MODELS_DIR ?? "data/models";
  const real = PROFILES.cpu.models;
  const present = [real.asr, real["tts-ru"], real["tts-en"]].every((entry) =>
    existsSync(join(modelsDir, entry.modelId, "config.json")),
  );
  if (present) {
    figures = await benchModels(
      { label: "cpu profile", modelsDir, asr: real.asr, ru: real["tts-ru"], en: real["tts-en"] },
      voiceNote,
    );
    source = "cpu profile";
  } else {
    console.log(
      `real models not in ${modelsDir} (run npm run models:pull); figures below are the fixtures'`,
    );
  }
  console.log(`models: ${source}`);
  const v = await benchVad();
  console.log(
    `speech: decode_ms_per_min=${decodeOggMs.toFixed(0)} asr_rtf=${figures.asrRtf.toFixed(3)} ` +
      `tts_rtf=${figures.ttsRtf.toFixed(3)} encode_ms_per_min=${encodeMs.toFixed(0)} ` +
      `asr_windows_saved=${v.windowsSaved.toFixed(3)} vad_recall=${v.recall.toFixed(3)} ` +
      `vad_precision=${v.precision.toFixed(3)} silence_skipped=${v.silenceSkipped.toFixed(3)}`,
  );
}

await main();
