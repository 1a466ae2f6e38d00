import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeVoice } from "../../src/media/audio-encode.js";
import { concatPcm, isSilent, parseWav, resample, silence } from "../../src/media/audio-pcm.js";
import { Espeak } from "../../src/media/espeak.js";
import { Ffmpeg } from "../../src/media/ffmpeg.js";
import { AppError } from "../../src/shared/errors.js";
import { probe, sine, tone } from "./support.js";

/** Sign changes per second: twice the frequency of a pure tone. */
function zeroCrossingsPerSecond(samples: Float32Array, sampleRate: number): number {
  let crossings = 0;
  for (let i = 1; i < samples.length; i++) {
    if ((samples[i - 1] ?? 0) < 0 !== (samples[i] ?? 0) < 0) crossings++;
  }
  return crossings / (samples.length / sampleRate);
}

describe("encodeVoice", () => {
  const ffmpeg = new Ffmpeg();
  for (const rate of [16_000, 22_050]) {
    it(`encodes ${rate} Hz PCM as OGG/Opus 48 kHz mono`, async () => {
      const voice = await encodeVoice(ffmpeg, { samples: sine(1.5, rate), sampleRate: rate });
      assert.equal(voice.durationS, 1.5);
      assert.equal(voice.data.subarray(0, 4).toString("ascii"), "OggS");
      const { stream, durationS } = probe(voice.data);
      assert.equal(stream.codec_name, "opus");
      assert.equal(stream.channels, 1);
      assert.equal(stream.sample_rate, "48000");
      assert.ok(Math.abs(durationS - 1.5) < 0.05, `duration ${durationS}`);
    });
  }
});

describe("PCM helpers", () => {
  it("resamples 16 kHz to 22.05 kHz and back keeping length, pitch and level", () => {
    const source = { samples: sine(1, 16_000), sampleRate: 16_000 };
    const up = resample(source, 22_050);
    assert.equal(up.samples.length, 22_050);
    assert.ok(Math.abs(zeroCrossingsPerSecond(up.samples, 22_050) - 880) < 4);
    const middle = up.samples.subarray(1000, 21_000);
    assert.ok(Math.abs(Math.max(...middle) - 0.5) < 0.01, "amplitude kept");
    const down = resample(up, 16_000);
    assert.equal(down.samples.length, 16_000);
    for (let i = 500; i < 15_500; i += 997) {
      assert.ok(Math.abs((down.samples[i] ?? 0) - (source.samples[i] ?? 0)) < 0.01, `sample ${i}`);
    }
  });

  it("removes content above the new Nyquist when downsampling", () => {
    const high = resample({ samples: sine(1, 48_000, 12_000), sampleRate: 48_000 }, 16_000);
    assert.ok(Math.max(...high.samples.subarray(500, 15_500).map(Math.abs)) < 0.02);
  });

  it("concatenates clips, makes silence and tells silence from sound", () => {
    const joined = concatPcm(
      [silence(250, 16_000), { samples: sine(0.5, 16_000), sampleRate: 16_000 }],
      16_000,
    );
    assert.equal(joined.samples.length, 4000 + 8000);
    assert.ok(isSilent(joined.samples.subarray(0, 4000)));
    assert.ok(!isSilent(joined.samples));
    assert.throws(() => concatPcm([silence(10, 22_050)], 16_000));
  });

  it("reads 16-bit stereo WAV as mono", () => {
    const pcm = parseWav(tone(0.5, "wav", ["-ac", "2", "-ar", "8000"]));
    assert.ok(pcm);
    assert.equal(pcm.sampleRate, 8000);
    assert.equal(pcm.samples.length, 4000);
    assert.equal(parseWav(Buffer.from("not a wav file at all")), undefined);
  });
});

describe("Espeak", () => {
  it("speaks Russian and English as 22.05 kHz PCM, text passed on stdin", async () => {
    const espeak = new Espeak();
    for (const [lang, text] of [
      ["ru", "-Привет, мир."],
      ["en", "Hello world."],
    ] as const) {
      const pcm = await espeak.synthesize(text, lang);
      assert.equal(pcm.sampleRate, 22_050);
      assert.ok(pcm.samples.length / pcm.sampleRate > 0.3, `${lang} has speech`);
      assert.ok(!isSilent(pcm.samples));
    }
  });

  it("fails with tool.failed for an unknown voice and tool.missing without espeak-ng", async () => {
    await assert.rejects(new Espeak().synthesize("x", "zz-nonexistent"), (error: unknown) => {
      assert.ok(error instanceof AppError && error.code === "tool.failed");
      return true;
    });
    await assert.rejects(
      new Espeak({ espeakPath: "/nonexistent/espeak-ng" }).synthesize("x", "en"),
      (error: unknown) => {
        assert.ok(error instanceof AppError && error.code === "tool.missing");
        assert.match(error.message, /apt-get install espeak-ng/);
        return true;
      },
    );
  });
});
