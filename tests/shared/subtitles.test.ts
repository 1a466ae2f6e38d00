import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { srtTime, toSrt, toVtt, vttTime } from "../../src/shared/subtitles.js";

describe("srt", () => {
  it("writes times as HH:MM:SS,mmm", () => {
    assert.equal(srtTime(0), "00:00:00,000");
    assert.equal(srtTime(1.5), "00:00:01,500");
    assert.equal(srtTime(61.0004), "00:01:01,000");
    assert.equal(srtTime(3 * 3600 + 25 * 60 + 7.089), "03:25:07,089");
    assert.equal(srtTime(-2), "00:00:00,000");
  });

  it("numbers cues from 1 in order of start, within the recording", () => {
    const srt = toSrt(
      [
        { startS: 4, endS: 9.5, text: "second line" },
        { startS: 0, endS: 4, text: " first line " },
        { startS: 9.5, endS: 11, text: "   " },
        { startS: 12, endS: 14, text: "after the end" },
      ],
      10,
    );
    assert.equal(
      srt,
      "1\n00:00:00,000 --> 00:00:04,000\nfirst line\n\n" +
        "2\n00:00:04,000 --> 00:00:09,500\nsecond line\n",
    );
  });

  it("clamps a cue running past the end and gives nothing for no segments", () => {
    assert.equal(
      toSrt([{ startS: 1, endS: 30, text: "tail" }], 2.25),
      "1\n00:00:01,000 --> 00:00:02,250\ntail\n",
    );
    assert.equal(toSrt([], 5), "");
  });
});

describe("vtt", () => {
  it("writes the header and the cues with HH:MM:SS.mmm times, in order, within the recording", () => {
    assert.equal(vttTime(3 * 3600 + 25 * 60 + 7.089), "03:25:07.089");
    assert.equal(
      toVtt(
        [
          { startS: 4, endS: 12, text: "second" },
          { startS: 0.5, endS: 4, text: "first" },
        ],
        10,
      ),
      "WEBVTT\n\n00:00:00.500 --> 00:00:04.000\nfirst\n\n00:00:04.000 --> 00:00:10.000\nsecond\n",
    );
    assert.equal(toVtt([], 5), "WEBVTT\n");
  });
});
