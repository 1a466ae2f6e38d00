/**
 * Media the end-to-end tests send as a Telegram user: photos of a line of text (rendered
 * with sharp from SVG in DejaVu Sans, which has Cyrillic), PDFs with a text layer and a
 * scanned (image-only) page, voice notes, memos and videos of espeak-ng speech encoded by
 * ffmpeg, silent and noisy voice notes, and random bytes.
 * Everything is generated on the fly, offline, from fonts and tools the test machine has.
 */
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PDFDocument, StandardFonts, rgb } from "pdf-lib";
import sharp from "sharp";
import { promisify } from "node:util";
import {
  buildRecording,
  ENGLISH_SENTENCES,
  espeakPcm,
  RUSSIAN_SENTENCES,
  SAMPLE_RATE,
} from "../support/speech-audio.js";

export const ENGLISH_LINE = "The quick brown fox jumps over the lazy dog";
export const RUSSIAN_LINE = "Съешь же ещё этих мягких булок";

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A PNG of one line of black text on white, large enough for tesseract to read without
 * doubt (48 px glyphs on 1200×200).
 */
export async function textPng(
  text: string,
  options: { width?: number; height?: number; fontSize?: number } = {},
): Promise<Uint8Array> {
  const { width = 1200, height = 200, fontSize = 48 } = options;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
  <rect width="100%" height="100%" fill="#ffffff"/>
  <text x="40" y="${Math.round(height / 2 + fontSize / 3)}" font-family="DejaVu Sans" font-size="${fontSize}" fill="#000000">${escapeXml(text)}</text>
</svg>`;
  return new Uint8Array(await sharp(Buffer.from(svg)).png().toBuffer());
}

/**
 * A PDF whose text pages carry a real text layer (Helvetica, Latin only) and whose
 * `scanned` pages are nothing but an embedded PNG of the text, as a scanner makes.
 */
export async function textPdf(pages: { text?: string; scanned?: string }[]): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (const content of pages) {
    const page = pdf.addPage([595, 842]); // A4 in points
    if (content.text !== undefined) {
      // "\n" starts a new line: up to 35 lines fit on the page.
      page.drawText(content.text, {
        x: 50,
        y: 760,
        size: 18,
        lineHeight: 20,
        font,
        color: rgb(0, 0, 0),
      });
    }
    if (content.scanned !== undefined) {
      const png = await pdf.embedPng(await textPng(content.scanned));
      // 1200×200 px at 2 px per point: sharp enough once the page is rendered for OCR.
      page.drawImage(png, { x: 0, y: 600, width: 595, height: (595 * 200) / 1200 });
    }
  }
  return pdf.save();
}

/** Runs ffmpeg with `args` and returns what it wrote to stdout. */
export function ffmpeg(args: string[], input?: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const child = spawn("ffmpeg", ["-hide_banner", "-loglevel", "error", ...args], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(new Uint8Array(Buffer.concat(out)));
      else reject(new Error(`ffmpeg ${args.join(" ")} exited with ${code}: ${err}`));
    });
    child.stdin.end(input);
  });
}

/** Writes 16 kHz PCM to a temp file for ffmpeg to read, and removes it after `use`. */
function withPcmFile<T>(samples: Float32Array, use: (pcmFile: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-speech-"));
  const file = path.join(dir, "speech.f32");
  fs.writeFileSync(file, samples);
  return use(file).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
}

/**
 * `seconds` of real speech (espeak-ng saying {@link ENGLISH_LINE} again and again, 0.4 s
 * apart) as raw 16 kHz PCM in a temp file, for ffmpeg to encode: the voice detector must
 * hear speech, or the bot rightly answers "no speech".
 */
function withSpeechFile<T>(seconds: number, use: (pcmFile: string) => Promise<T>): Promise<T> {
  const line = espeakPcm(ENGLISH_LINE, "en");
  const copies = Math.ceil(seconds / (line.length / SAMPLE_RATE + 0.4));
  const { samples } = buildRecording({
    pieces: Array.from({ length: copies }, () => line),
    pausesS: [0.2, ...Array.from({ length: copies }, () => 0.4)],
  });
  return withPcmFile(samples.subarray(0, Math.round(seconds * SAMPLE_RATE)), use);
}

const PCM_INPUT = ["-f", "f32le", "-ar", String(SAMPLE_RATE), "-ac", "1", "-i"];
const OPUS_OUTPUT = ["-ac", "1", "-c:a", "libopus", "-b:a", "32k", "-f", "ogg", "pipe:1"];

/** An OGG/Opus voice note (mono, 48 kHz) of speech, as Telegram clients record. */
export function voiceNote(seconds = 2): Promise<Uint8Array> {
  return withSpeechFile(seconds, (file) => ffmpeg([...PCM_INPUT, file, ...OPUS_OUTPUT]));
}

/**
 * An OGG/Opus voice note of `leadS` seconds of silence, then {@link ENGLISH_LINE} once: the
 * speech, and so its transcript segment, starts `leadS` into the recording.
 */
export function lateVoiceNote(leadS: number): Promise<Uint8Array> {
  const { samples } = buildRecording({
    pieces: [espeakPcm(ENGLISH_LINE, "en")],
    pausesS: [leadS, 0.5],
  });
  return withPcmFile(samples, (file) => ffmpeg([...PCM_INPUT, file, ...OPUS_OUTPUT]));
}

/**
 * A long OGG/Opus voice note like a recorded talk: espeak-ng sentences, English and Russian
 * in turn, each after a pause of 4 to 12 s, until at least `seconds`, with light noise.
 * Returns its exact length too.
 */
export async function longVoiceNote(
  seconds: number,
): Promise<{ bytes: Uint8Array; durationS: number }> {
  const pieces: Float32Array[] = [];
  const pausesS: number[] = [];
  let total = 0;
  for (let i = 0; total < seconds * SAMPLE_RATE; i++) {
    const english = ENGLISH_SENTENCES[(i >> 1) % ENGLISH_SENTENCES.length]!;
    const russian = RUSSIAN_SENTENCES[(i >> 1) % RUSSIAN_SENTENCES.length]!;
    const piece = i % 2 ? espeakPcm(russian, "ru") : espeakPcm(english, "en");
    const pauseS = 4 + (i % 9);
    pieces.push(piece);
    pausesS.push(pauseS);
    total += piece.length + pauseS * SAMPLE_RATE;
  }
  const { samples } = buildRecording({ pieces, pausesS: [...pausesS, 0], noise: 0.003 });
  const bytes = await withPcmFile(samples, (file) => ffmpeg([...PCM_INPUT, file, ...OPUS_OUTPUT]));
  return { bytes, durationS: samples.length / SAMPLE_RATE };
}

/** An OGG/Opus voice note of digital silence, or of pink noise when `noise` is set. */
export function soundlessVoiceNote(seconds: number, noise = false): Promise<Uint8Array> {
  const source = noise
    ? `anoisesrc=color=pink:amplitude=0.1:duration=${seconds}`
    : `anullsrc=r=48000:cl=mono:d=${seconds}`;
  return ffmpeg(["-f", "lavfi", "-i", source, ...OPUS_OUTPUT]);
}

/** Runs ffmpeg writing `name` in a temp folder and returns the file's bytes. */
async function ffmpegFile(name: string, args: (file: string) => string[]): Promise<Uint8Array> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-media-"));
  const file = path.join(dir, name);
  try {
    await ffmpeg(args(file));
    return new Uint8Array(fs.readFileSync(file));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * An M4A (AAC in MP4) of speech as phones record memos, with the index (moov) at the end of
 * the file, so it can't be decoded from a pipe: the bot has to spool it to disk first.
 */
export function m4aAudio(seconds = 2): Promise<Uint8Array> {
  return withSpeechFile(seconds, (pcm) =>
    ffmpegFile("memo.m4a", (file) => [...PCM_INPUT, pcm, "-c:a", "aac", "-f", "mp4", file]),
  );
}

/** The sound track's codec in each video container. */
const VIDEO_AUDIO_CODEC = { mp4: "aac", mkv: "libopus" } as const;

/**
 * A video (a test pattern, MPEG-4 Part 2) with a sound track of speech: MP4 with AAC, or
 * Matroska (.mkv) with Opus.
 */
export function videoClip(
  seconds = 3,
  container: keyof typeof VIDEO_AUDIO_CODEC = "mp4",
): Promise<Uint8Array> {
  return withSpeechFile(seconds, (pcm) =>
    ffmpegFile(`clip.${container}`, (file) => [
      "-f",
      "lavfi",
      "-i",
      `testsrc=size=160x120:rate=10:duration=${seconds}`,
      ...PCM_INPUT,
      pcm,
      "-c:v",
      "mpeg4",
      "-c:a",
      VIDEO_AUDIO_CODEC[container],
      "-shortest",
      file,
    ]),
  );
}

/** Bytes that are no known format (but never empty). */
export function randomBytesOf(length = 4096): Uint8Array {
  return new Uint8Array(randomBytes(length));
}

export interface StreamInfo {
  codec_name: string;
  channels: number;
  sample_rate: string;
}

/** The audio streams of `bytes`, as ffprobe sees them (written to a file in `dir`). */
export async function probe(bytes: Uint8Array, dir: string): Promise<StreamInfo[]> {
  const file = path.join(dir, `probe-${Date.now()}-${Math.random().toString(36).slice(2)}.ogg`);
  fs.writeFileSync(file, bytes);
  const { stdout } = await promisify(execFile)("ffprobe", [
    "-v",
    "error",
    "-show_entries",
    "stream=codec_name,channels,sample_rate",
    "-of",
    "json",
    file,
  ]);
  return (JSON.parse(stdout) as { streams: StreamInfo[] }).streams;
}

/** A page of many lines of text (black on white), slow enough to read to be cancelled. */
export async function textPagePng(lines: readonly string[]): Promise<Uint8Array> {
  const lineHeight = 44;
  const height = lines.length * lineHeight + 80;
  const rows = lines
    .map(
      (line, i) =>
        `<text x="40" y="${60 + i * lineHeight}" font-family="DejaVu Sans" font-size="30" fill="#000000">${escapeXml(line)}</text>`,
    )
    .join("\n");
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="${height}">
  <rect width="100%" height="100%" fill="#ffffff"/>
${rows}
</svg>`;
  return new Uint8Array(await sharp(Buffer.from(svg)).png().toBuffer());
}
