import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import pino from "pino";
import {
  TESSDATA_CDN,
  TesseractOcr,
  findTessdata,
  gatherTessdata,
  parseLangs,
} from "../../src/models/adapters/ocr/index.js";

const SYSTEM = "/usr/share/tesseract-ocr/5/tessdata";

describe("tessdata", () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "tessdata-test-"));
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("parses OCR_LANGS and rejects anything that isn't a language code", () => {
    assert.deepEqual(parseLangs("rus+eng"), ["rus", "eng"]);
    assert.deepEqual(parseLangs(" chi_sim + eng + eng "), ["chi_sim", "eng"]);
    assert.throws(() => parseLangs("../../etc/passwd"), { code: "model.missing" });
    assert.throws(() => parseLangs(""), { code: "model.missing" });
  });

  it("prefers the npm package for eng and finds rus in the system tessdata", async () => {
    const eng = await findTessdata("eng", { dataDir });
    assert.match(eng ?? "", /@tesseract\.js-data\/eng\/4\.0\.0_best_int\/eng\.traineddata\.gz$/);
    const rus = await findTessdata("rus", { dataDir, systemDirs: [SYSTEM] });
    assert.equal(rus, join(SYSTEM, "rus.traineddata"));
  });

  it("gathers every language into one folder of links", async () => {
    const folder = await gatherTessdata(["rus", "eng"], { dataDir, systemDirs: [SYSTEM] });
    const rus = await readFile(join(folder, "rus.traineddata"));
    assert.deepEqual(rus, await readFile(join(SYSTEM, "rus.traineddata")));
    const eng = await readFile(join(folder, "eng.traineddata"));
    assert.deepEqual([...eng.subarray(0, 2)], [0x1f, 0x8b], "npm data stays gzipped");
  });

  it("names the package to install when a language is missing", async () => {
    await assert.rejects(
      gatherTessdata(["deu"], { dataDir, systemDirs: [], npmPackages: false }),
      (error: Error & { code?: string }) => {
        assert.equal(error.name, "ModelError");
        assert.equal(error.code, "model.missing");
        assert.match(error.message, /apt install tesseract-ocr-deu/);
        return true;
      },
    );
  });

  it("makes the OCR model's load fail with the same error, before starting any worker", async () => {
    const model = new TesseractOcr({
      dataDir,
      langs: "rus+deu",
      systemDirs: [SYSTEM],
      npmPackages: false,
      logger: pino({ level: "silent" }),
    });
    await assert.rejects(model.load(), { name: "ModelError", code: "model.missing" });
    await assert.rejects(model.run({ image: new Uint8Array(1) }, new AbortController().signal), {
      code: "model.load_failed",
    });
  });

  it("downloads a missing language once, unpacked, when allowed", async () => {
    const requested: string[] = [];
    const fetch = async (url: string | URL | Request) => {
      requested.push(String(url));
      return new Response(gzipSync(Buffer.from("fake traineddata")));
    };
    const options = { dataDir, systemDirs: [], npmPackages: false, download: { fetch } };
    const folder = await gatherTessdata(["fra"], options);
    assert.deepEqual(requested, [`${TESSDATA_CDN}/fra/4.0.0_best_int/fra.traineddata.gz`]);
    assert.equal(await readFile(join(folder, "fra.traineddata"), "utf8"), "fake traineddata");
    await gatherTessdata(["fra"], options);
    assert.equal(requested.length, 1, "the second start reads the downloaded file");
  });

  it("reports a failed download as missing data", async () => {
    const fetch = async () => new Response("nope", { status: 404 });
    await assert.rejects(
      gatherTessdata(["ita"], { dataDir, systemDirs: [], npmPackages: false, download: { fetch } }),
      { code: "model.missing" },
    );
  });
});
