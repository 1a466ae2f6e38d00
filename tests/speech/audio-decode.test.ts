import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { decodeAudio, DECODE_SAMPLE_RATE } from "../../src/media/audio-decode.js";
import { isPipeDecodable, sniffAudioContainer } from "../../src/media/audio-format.js";
import { spawnTool, type ToolRunner } from "../../src/media/audio-process.js";
import { Ffmpeg } from "../../src/media/ffmpeg.js";
import { ToolSpawner } from "../../src/media/tool-spawner.js";
import { AppError } from "../../src/shared/errors.js";
import { makeMedia, tone } from "./support.js";

function assertCode(code: string) {
  return (error: unknown) => {
    assert.ok(error instanceof AppError, `expected AppError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  };
}

describe("decodeAudio", () => {
  const ffmpeg = new Ffmpeg();
  let tempDir: string;
  const decode = (bytes: Uint8Array, maxSeconds = 600) =>
    decodeAudio(ffmpeg, bytes, { maxSeconds, tempDir });

  before(async () => {
    tempDir = await mkdtemp(join(tmpdir(), "speech-decode-test-"));
  });
  after(async () => {
    await rm(tempDir, { recursive: true, force: true });
  });

  // Each format decodes to exactly 2 s at 16 kHz: ffmpeg trims Opus pre-skip (OGG granule
  // positions), MP3 encoder delay and padding (LAME header, read from a seekable file) and
  // AAC priming (MP4 edit list); the AAC tail padding is cut to the container duration.
  const formats: [string, string, string[]][] = [
    ["OGG/Opus voice note", "ogg", ["-c:a", "libopus"]],
    ["MP3", "mp3", ["-c:a", "libmp3lame"]],
    ["M4A with the index at the end", "m4a", ["-c:a", "aac"]],
    ["WAV", "wav", []],
    ["FLAC", "flac", []],
  ];
  for (const [name, extension, codec] of formats) {
    it(`decodes ${name} to exactly 32000 samples for 2 s`, async () => {
      const samples = await decode(tone(2, extension, codec));
      assert.equal(samples.length, 2 * DECODE_SAMPLE_RATE);
      assert.ok(Math.max(...samples.subarray(8000, 8100)) > 0.05, "the tone survives decoding");
    });
  }

  it("decodes the audio of an MP4 video (a video note) to exactly 2 s", async () => {
    const video = makeMedia(
      ["sine=frequency=440:duration=2", "color=c=red:s=64x64:d=2"],
      ["-shortest", "-c:v", "libx264", "-c:a", "aac"],
      "mp4",
    );
    assert.equal(sniffAudioContainer(video), "other");
    assert.equal((await decode(video)).length, 2 * DECODE_SAMPLE_RATE);
  });

  it("sniffs containers from magic bytes and streams only what decodes exactly from a pipe", () => {
    assert.equal(sniffAudioContainer(tone(0.1, "ogg", ["-c:a", "libopus"])), "ogg");
    assert.equal(sniffAudioContainer(tone(0.1, "wav")), "wav");
    assert.equal(sniffAudioContainer(tone(0.1, "flac")), "flac");
    assert.equal(sniffAudioContainer(tone(0.1, "mp3", ["-c:a", "libmp3lame"])), "mp3");
    assert.equal(sniffAudioContainer(tone(0.1, "m4a", ["-c:a", "aac"])), "other");
    assert.deepEqual((["ogg", "wav", "flac", "mp3", "other"] as const).filter(isPipeDecodable), [
      "ogg",
      "wav",
      "flac",
    ]);
  });

  it("refuses random bytes as audio.corrupt, with ffmpeg's complaint in the message", async () => {
    await assert.rejects(decode(randomBytes(5000)), assertCode("audio.corrupt"));
    // Large enough that ffmpeg gives up before reading it all: the broken pipe is not a crash.
    const fakeOgg = Buffer.concat([Buffer.from("OggS"), randomBytes(4 * 1024 * 1024)]);
    await assert.rejects(decode(fakeOgg), (error: unknown) => {
      assertCode("audio.corrupt")(error);
      assert.match((error as Error).message, /ffmpeg could not decode the audio: .+/);
      return true;
    });
  });

  it("refuses a zero-length file as audio.empty", async () => {
    await assert.rejects(decode(new Uint8Array(0)), assertCode("audio.empty"));
  });

  it("refuses 0 s of audio and a video without an audio stream as audio.empty, silence as audio.no_speech", async () => {
    const zeroSeconds = makeMedia(
      ["anullsrc=r=16000:cl=mono"],
      ["-t", "0", "-c:a", "libopus"],
      "ogg",
    );
    await assert.rejects(decode(zeroSeconds), assertCode("audio.empty"));
    const silent = makeMedia(["anullsrc=r=16000:cl=mono"], ["-t", "2"], "wav");
    await assert.rejects(decode(silent), assertCode("audio.no_speech"));
    const noAudio = makeMedia(["color=c=red:s=64x64:d=1"], ["-c:v", "libx264"], "mp4");
    await assert.rejects(decode(noAudio), assertCode("audio.empty"));
  });

  it("refuses audio over the limit as audio.too_long, from a pipe and from a file", async () => {
    for (const bytes of [tone(3, "ogg", ["-c:a", "libopus"]), tone(3, "m4a", ["-c:a", "aac"])]) {
      await assert.rejects(decode(bytes, 2), (error: unknown) => {
        assertCode("audio.too_long")(error);
        assert.equal((error as AppError).details.maxSeconds, 2);
        return true;
      });
    }
  });

  it("removes the temp file after success and after every kind of failure", async () => {
    const m4a = tone(1, "m4a", ["-c:a", "aac"]);
    await decode(m4a);
    const corruptMp4 = Buffer.concat([
      Buffer.from([0, 0, 0, 0x18]),
      Buffer.from("ftypmp42"),
      randomBytes(4000),
    ]);
    await assert.rejects(decode(corruptMp4), assertCode("audio.corrupt"));
    await assert.rejects(decode(tone(3, "m4a", ["-c:a", "aac"]), 1), assertCode("audio.too_long"));
    // ffmpeg itself failing mid-way (here: a timeout raised by the process seam).
    let sawInput = false;
    const timingOut: ToolRunner = async (request) => {
      if (request.command === "ffmpeg") {
        sawInput = (await readdir(tempDir)).length === 1;
        throw new AppError("tool.timeout", "simulated timeout");
      }
      return spawnTool(request);
    };
    const failing = new Ffmpeg({ runner: timingOut });
    await assert.rejects(
      decodeAudio(failing, m4a, { maxSeconds: 600, tempDir }),
      assertCode("tool.timeout"),
    );
    assert.ok(sawInput, "the input was in the temp dir while ffmpeg ran");
    assert.deepEqual(await readdir(tempDir), []);
  });

  it("reports a missing ffmpeg as tool.missing naming what to install", async () => {
    const missing = new Ffmpeg({ ffmpegPath: "/nonexistent/bin/ffmpeg" });
    assert.equal(missing.ffprobePath, "/nonexistent/bin/ffprobe");
    for (const bytes of [tone(1, "ogg", ["-c:a", "libopus"]), tone(1, "m4a", ["-c:a", "aac"])]) {
      await assert.rejects(
        decodeAudio(missing, bytes, { maxSeconds: 600, tempDir }),
        (error: unknown) => {
          assertCode("tool.missing")(error);
          assert.match((error as Error).message, /apt-get install ffmpeg/);
          return true;
        },
      );
    }
  });
});

const spawner = new ToolSpawner();
after(() => spawner.close());

// The in-process runner and the helper-process one keep the same contract.
for (const [name, run] of [
  ["spawnTool", spawnTool],
  ["ToolSpawner", spawner.run],
] as const) {
  describe(name, () => {
    const base = { installHint: "coreutils", timeoutMs: 10_000 };

    it("returns exit code, stdout and stderr, feeding stdin", async () => {
      const result = await run({
        ...base,
        command: "sh",
        args: ["-c", "cat; echo oops >&2; exit 3"],
        input: Buffer.from("hello"),
      });
      assert.equal(result.exitCode, 3);
      assert.equal(result.stdout.toString(), "hello");
      assert.equal(result.stderr, "oops");
    });

    it("starts a tool with `niceness` that much lower in priority than this process", async () => {
      // The tool reads its own nice value once its stdin closes, which is after the runner
      // lowered its priority.
      const niceOf = async (niceness?: number) => {
        const result = await run({
          ...base,
          command: "sh",
          args: ["-c", "cat >/dev/null; nice"],
          input: Buffer.from("x"),
          ...(niceness === undefined ? {} : { niceness }),
        });
        return Number(result.stdout.toString().trim());
      };
      const own = await niceOf();
      assert.equal(await niceOf(10), Math.min(19, own + 10));
    });

    it("kills a tool past its timeout with tool.timeout", async () => {
      await assert.rejects(
        run({ ...base, command: "sleep", args: ["10"], timeoutMs: 50 }),
        assertCode("tool.timeout"),
      );
    });

    it("kills a tool when the signal aborts, with job.cancelled", async () => {
      const controller = new AbortController();
      const running = run({
        ...base,
        command: "sleep",
        args: ["10"],
        signal: controller.signal,
      });
      controller.abort();
      await assert.rejects(running, assertCode("job.cancelled"));
    });
  });
}

describe("ToolSpawner", () => {
  const base = { installHint: "coreutils", timeoutMs: 10_000 };

  it("starts tools from its helper process, not from this one", async () => {
    const result = await spawner.run({ ...base, command: "sh", args: ["-c", "echo $PPID"] });
    const parent = Number(result.stdout.toString());
    assert.ok(parent > 0);
    assert.notEqual(parent, process.pid);
  });

  it("passes binary input and output through unchanged", async () => {
    const bytes = randomBytes(3 * 1024 * 1024);
    const result = await spawner.run({ ...base, command: "cat", args: [], input: bytes });
    assert.ok(result.stdout.equals(bytes));
  });

  it("reports a missing tool as tool.missing naming what to install", async () => {
    await assert.rejects(
      spawner.run({ ...base, command: "/nonexistent/tool", args: [] }),
      (error) => {
        assertCode("tool.missing")(error);
        assert.match((error as Error).message, /install coreutils/);
        return true;
      },
    );
  });

  it(
    "starts a tool with `niceness` in a scheduling group lowered that much (Linux autogroup)",
    { skip: !existsSync("/proc/self/autogroup") && "no autogroup on this kernel" },
    async () => {
      // A helper is a session of its own, and Linux shares the cores among sessions as equals
      // whatever their processes' nice values: only the group's own nice value yields.
      const groupNice = async (niceness?: number) => {
        const result = await spawner.run({
          ...base,
          command: "cat",
          args: ["/proc/self/autogroup"],
          ...(niceness === undefined ? {} : { niceness }),
        });
        return Number(/nice (-?\d+)/.exec(result.stdout.toString())?.[1]);
      };
      assert.equal(await groupNice(), 0);
      assert.equal(await groupNice(10), 10);
      assert.equal(await groupNice(3), 3);
    },
  );

  it("fails the tools of a helper that died with tool.failed, and starts a new helper", async () => {
    await assert.rejects(
      spawner.run({ ...base, command: "sh", args: ["-c", "kill -9 $PPID; sleep 10"] }),
      assertCode("tool.failed"),
    );
    const result = await spawner.run({ ...base, command: "sh", args: ["-c", "echo ok"] });
    assert.equal(result.stdout.toString(), "ok\n");
  });
});
