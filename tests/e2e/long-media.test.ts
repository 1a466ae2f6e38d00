/**
 * End to end, long recordings and video files: a 10-minute voice note of speech between
 * pauses is transcribed, and its 📄 As file and 🎬 Subtitles buttons give a .txt of the
 * transcript and .srt subtitles inside the recording; an MKV video document is transcribed
 * from its sound track.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { E2E, FIXTURE_TRANSCRIPT } from "./harness.js";
import { longVoiceNote, videoClip } from "./media.js";

const TRANSCRIPT_LABEL = "🎙 Transcript:\n";

interface Cue {
  index: number;
  startS: number;
  endS: number;
  text: string;
}

/** "HH:MM:SS,mmm" in seconds. */
function srtSeconds(time: string): number {
  const match = /^(\d{2}):(\d{2}):(\d{2}),(\d{3})$/.exec(time);
  assert.ok(match, `an SRT time: ${time}`);
  const [, h, m, s, ms] = match.map(Number) as [number, number, number, number, number];
  return h * 3600 + m * 60 + s + ms / 1000;
}

/** The cues of a SubRip file; throws on anything that is not one. */
function parseSrt(srt: string): Cue[] {
  return srt
    .trim()
    .split(/\n\n+/)
    .map((block) => {
      const [index, times, ...text] = block.split("\n");
      const [start, end, ...rest] = (times ?? "").split(" --> ");
      assert.ok(/^\d+$/.test(index ?? "") && start && end && rest.length === 0, block);
      assert.ok(text.length > 0, `cue ${index} has text`);
      return {
        index: Number(index),
        startS: srtSeconds(start),
        endS: srtSeconds(end),
        text: text.join("\n"),
      };
    });
}

describe("e2e: a 10-minute recording and a video document", () => {
  let e2e: E2E;

  before(async () => {
    // ASR_MAX_SECONDS must let 10 minutes through (600 is the default; the test says so).
    e2e = await E2E.start({ env: { ASR_MAX_SECONDS: "900" } });
  });
  after(() => e2e?.close());

  const privateChat = () => {
    const user = e2e.server.users.create();
    return { user, chat: e2e.server.users.privateChat(user) };
  };

  test("a 10-minute voice note: the transcript, then a .txt and subtitles by its buttons", async () => {
    const { bytes, durationS } = await longVoiceNote(600);
    assert.ok(durationS >= 600 && durationS < 660, `a recording of ${durationS} s`);
    const { user, chat } = privateChat();
    e2e.server.users.sendVoice(chat, user, bytes, { duration: Math.round(durationS) });
    const result = await e2e.message(chat.id, (text) => text.startsWith(TRANSCRIPT_LABEL));
    const transcript = result.text!.slice(TRANSCRIPT_LABEL.length);
    // The fixture Whisper says its sentence once per window; 10 minutes of talk is several.
    const sentences = transcript.split(FIXTURE_TRANSCRIPT);
    assert.ok(sentences.length - 1 >= 4, `several windows: ${transcript}`);
    assert.ok(
      sentences.every((between) => between.trim() === ""),
      transcript,
    );

    const file = await e2e.press(chat, user, result, "res:file", "sendDocument");
    const txt = file.files.get("document");
    assert.equal(txt?.fileName, "transcript.txt");
    assert.equal(txt.bytes.toString("utf8").trim(), transcript);

    const subtitles = await e2e.press(chat, user, result, "res:srt", "sendDocument");
    const srt = subtitles.files.get("document");
    assert.equal(srt?.fileName, "subtitles.srt");
    const cues = parseSrt(srt.bytes.toString("utf8"));
    assert.equal(cues.length, sentences.length - 1, "one cue per window heard");
    let previousEnd = 0;
    cues.forEach((cue, i) => {
      assert.equal(cue.index, i + 1, "numbered in order");
      assert.equal(cue.text, FIXTURE_TRANSCRIPT);
      assert.ok(cue.startS >= previousEnd, `cue ${cue.index} starts after the previous one ends`);
      assert.ok(cue.endS > cue.startS, `cue ${cue.index} has a length`);
      previousEnd = cue.endS;
    });
    assert.ok(previousEnd <= durationS, `the last cue ends at ${previousEnd} of ${durationS} s`);
    // The pauses are not heard: the cues cover the talk, from its first sentence on.
    assert.ok((cues[0]?.startS ?? 0) >= 3, "the leading pause is skipped");
  });

  test("an MKV video document is transcribed from its sound track", async () => {
    const { user, chat } = privateChat();
    e2e.server.users.sendDocument(chat, user, await videoClip(3, "mkv"), {
      fileName: "clip.mkv",
      mimeType: "video/x-matroska",
    });
    const transcript = await e2e.message(chat.id);
    assert.equal(transcript.text, `${TRANSCRIPT_LABEL}${FIXTURE_TRANSCRIPT}`);
    const logged = e2e.bot.logs.find(
      (line) => line.msg === "audio transcribed" && line.fileName === "clip.mkv",
    );
    assert.ok(logged, "the transcription was logged");
  });
});
