import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { transcriptBody } from "../../src/api/v1/transcript-formats.js";

const transcript = {
  text: "one two",
  language: "en",
  durationS: 9,
  segments: [
    { startS: 5, endS: 12, text: "two" },
    { startS: 0.25, endS: 5, text: " one " },
  ],
};

describe("transcript formats", () => {
  it("json and text carry the text", () => {
    assert.deepEqual(transcriptBody(transcript, "json"), { json: { text: "one two" } });
    assert.deepEqual(transcriptBody(transcript, "text"), {
      text: "one two\n",
      contentType: "text/plain; charset=utf-8",
    });
  });

  it("verbose_json numbers the segments in order, inside the duration", () => {
    assert.deepEqual(transcriptBody(transcript, "verbose_json"), {
      json: {
        task: "transcribe",
        language: "en",
        duration: 9,
        text: "one two",
        segments: [
          { id: 0, start: 0.25, end: 5, text: "one" },
          { id: 1, start: 5, end: 9, text: "two" },
        ],
      },
    });
  });

  it("srt and vtt are subtitles of the same cues", () => {
    const srt = transcriptBody(transcript, "srt");
    assert.ok("text" in srt && srt.text.startsWith("1\n00:00:00,250 --> 00:00:05,000\none\n"));
    const vtt = transcriptBody(transcript, "vtt");
    assert.ok("text" in vtt && vtt.contentType.startsWith("text/vtt"));
    assert.ok(vtt.text.includes("00:00:05.000 --> 00:00:09.000\ntwo\n"));
  });
});
