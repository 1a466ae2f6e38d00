/**
 * The native `tesseract` engine with the real program (Debian's tesseract-ocr, which setup
 * installs), its fallback to tesseract.js, and the script fix on real rendered mixed lines.
 */
import assert from "node:assert/strict";
import { watch } from "node:fs";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pino from "pino";
import sharp from "sharp";
import { spawnTool, type ToolRunner } from "../../src/media/audio-process.js";
import { TesseractOcr, type OcrEngineChoice } from "../../src/models/adapters/ocr/index.js";
import { textPng, textSvg } from "../support/text-images.js";

const logger = pino({ level: "silent" });
const never = new AbortController().signal;

describe("native tesseract engine", () => {
  let dataDir: string;
  const models: TesseractOcr[] = [];
  const model = (
    engine: OcrEngineChoice,
    extra: Partial<ConstructorParameters<typeof TesseractOcr>[0]> = {},
  ) => {
    const created = new TesseractOcr({
      dataDir,
      logger,
      langs: "rus+eng",
      workers: 1,
      engine,
      ...extra,
    });
    models.push(created);
    return created;
  };

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "ocr-native-"));
  });

  after(async () => {
    await Promise.all(models.map((created) => created.unload()));
    await rm(dataDir, { recursive: true, force: true });
  });

  it("reads paragraphs, lines and confidences through the tesseract program", async () => {
    const ocr = model("auto");
    const report = await ocr.load();
    assert.match(ocr.engine, /^tesseract 5\.\d+\.\d+ \(native\)$/);
    assert.equal(ocr.label, ocr.engine);
    assert.equal(report.note, `${ocr.engine}, 1 job(s), rus+eng`);
    const result = await ocr.run(
      {
        image: await textPng([
          "Отчёт о работе за третий квартал.",
          "The board approved the budget.",
          "",
          "Второй абзац после пустой строки.",
        ]),
      },
      never,
    );
    assert.equal(result.engine, ocr.engine);
    assert.deepEqual(result.langs, ["rus", "eng"]);
    assert.deepEqual(
      result.paragraphs.map((paragraph) => paragraph.lines.map((line) => line.text)),
      [
        ["Отчёт о работе за третий квартал.", "The board approved the budget."],
        ["Второй абзац после пустой строки."],
      ],
    );
    assert.equal(
      result.text,
      "Отчёт о работе за третий квартал.\nThe board approved the budget.\n\nВторой абзац после пустой строки.",
    );
    assert.ok(result.confidence > 80, `confidence ${result.confidence}`);
    for (const line of result.paragraphs.flatMap((paragraph) => paragraph.lines)) {
      assert.ok(line.confidence > 80, `line confidence ${line.confidence}`);
    }
    // Only loaded languages may be asked for.
    await assert.rejects(ocr.run({ image: new Uint8Array(1), langs: ["deu"] }, never), {
      code: "model.missing",
    });
  });

  it("kills the tesseract process when the job is cancelled", async () => {
    // A wrapper that records its pid, then becomes tesseract (exec keeps the pid).
    const pidFile = join(dataDir, "pid");
    const program = join(dataDir, "tesseract-wrapper");
    await writeFile(
      program,
      `#!/bin/sh\necho $$ > "${pidFile}.tmp" && mv "${pidFile}.tmp" "${pidFile}"\nexec tesseract "$@"\n`,
    );
    await chmod(program, 0o755);
    const ocr = model("native", { native: { program } });
    await ocr.load();
    await rm(pidFile, { force: true });
    const page = await sharp(textSvg(Array.from({ length: 40 }, () => "Длинная страница текста.")))
      .resize({ width: 1654, height: 2339, fit: "fill" })
      .png()
      .toBuffer();
    const controller = new AbortController();
    const started = new Promise<void>((resolve) => {
      const watcher = watch(dataDir, (_event, name) => {
        if (name === "pid") {
          watcher.close();
          resolve();
        }
      });
    });
    const job = ocr.run({ image: page }, controller.signal);
    await started;
    const pid = Number(await readFile(pidFile, "utf8"));
    controller.abort();
    await assert.rejects(job, { code: "job.cancelled" });
    assert.throws(() => process.kill(pid, 0), { code: "ESRCH" });
  });

  it("falls back to tesseract.js when the program is missing, and says why", async () => {
    const ocr = model("auto", { native: { program: join(dataDir, "no-such-tesseract") } });
    const report = await ocr.load();
    assert.match(ocr.engine, /^tesseract\.js 7/);
    assert.match(
      report.note ?? "",
      /^tesseract\.js 7\S*, 1 worker\(s\), rus\+eng \(native unusable: .*not found/,
    );
    const result = await ocr.run({ image: await textPng(["The board approved it."]) }, never);
    assert.equal(result.text, "The board approved it.");
    assert.match(result.engine, /^tesseract\.js 7/);
  });

  it("fails to load with OCR_ENGINE=native when the program is missing", async () => {
    const ocr = model("native", { native: { program: join(dataDir, "no-such-tesseract") } });
    await assert.rejects(ocr.load(), (error: Error & { code?: string }) => {
      assert.equal(error.code, "model.load_failed");
      assert.match(error.message, /OCR_ENGINE=native but .*not found/);
      return true;
    });
  });

  it("reads pages at a lower CPU priority than the bot, so waiting chat answers go first", async () => {
    const niceness: (number | undefined)[] = [];
    const runner: ToolRunner = (request) => {
      if (request.args[0] === "stdin") niceness.push(request.niceness);
      return spawnTool(request);
    };
    const ocr = model("native", { native: { runner } });
    await ocr.load();
    await ocr.run({ image: await textPng(["Priority"]) }, never);
    assert.ok(niceness.length > 0 && niceness.every((value) => value !== undefined && value > 0));
  });

  it("never starts the program with OCR_ENGINE=js", async () => {
    const started: string[] = [];
    const runner: ToolRunner = (request) => {
      started.push(request.command);
      return spawnTool(request);
    };
    const ocr = model("js", { native: { runner } });
    const report = await ocr.load();
    assert.deepEqual(started, []);
    assert.match(report.note ?? "", /\(OCR_ENGINE=js\)$/);
  });
});

describe("mixed Russian and English lines, real tesseract", () => {
  // Each image is misread by both engines without the script fix (native 5.3.0 and
  // tesseract.js 7 with the same rendering): the short words "a" as Cyrillic "а" and "на" as
  // Latin "Ha" (rule 1); "Type" as Cyrillic "Туре" and "Mac" as "Мас" (the re-read); and for
  // tesseract.js "торт" and "сахар" as Latin "TopT" and "caxap" (the re-read).
  const IMAGES = [
    ["We ordered a торт and some сахар for the office party."],
    [
      "The committee reviewed the annual budget and approved it.",
      "Совещание перенесено на следующую неделю, в четверг.",
    ],
    [
      "Type your password, then press Enter to copy the room key.",
      "Сервер Apple Mac Pro теперь копирует базу каждый час.",
    ],
    [
      "Please bring the документы and the signed договор tomorrow.",
      "We ordered a торт and some сахар for the office party.",
    ],
  ];
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "ocr-mixed-"));
  });
  after(() => rm(dataDir, { recursive: true, force: true }));

  for (const engine of ["native", "js"] as const) {
    it(`keeps each word in its own script (${engine})`, async () => {
      const ocr = new TesseractOcr({ dataDir, logger, langs: "rus+eng", workers: 1, engine });
      await ocr.load();
      try {
        for (const lines of IMAGES) {
          const result = await ocr.run({ image: await textPng(lines, { fontSize: 32 }) }, never);
          assert.equal(result.text, lines.join("\n"));
        }
      } finally {
        await ocr.unload();
      }
    });
  }
});
