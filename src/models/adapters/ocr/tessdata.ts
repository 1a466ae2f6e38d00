/**
 * Finds tesseract language data (`<lang>.traineddata`) on this machine and gathers it into one
 * folder for tesseract.js, which reads every language from a single `langPath`.
 *
 * Sources, first match wins:
 * 1. folders from config (`tessdataDirs`);
 * 2. the npm package `@tesseract.js-data/<lang>` (LSTM-only "4.0.0_best_int" data);
 * 3. the system tessdata (Debian/Ubuntu `apt install tesseract-ocr-<lang>`, Homebrew);
 * 4. files downloaded earlier into `<dataDir>/tessdata`;
 * 5. only when `download` is given: tesseract.js's CDN
 *    (https://cdn.jsdelivr.net/npm/@tesseract.js-data/<lang>/4.0.0_best_int/<lang>.traineddata.gz),
 *    saved unpacked into `<dataDir>/tessdata` so the next start is offline.
 */
import { createRequire } from "node:module";
import { constants } from "node:fs";
import { access, mkdir, rename, rm, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { ModelError } from "../../../shared/errors.js";

/** Where tesseract.js's own default CDN keeps LSTM-only language data. */
export const TESSDATA_CDN = "https://cdn.jsdelivr.net/npm/@tesseract.js-data";

/** System folders where distributions install tessdata. */
export const SYSTEM_TESSDATA_DIRS: readonly string[] = [
  "/usr/share/tesseract-ocr/5/tessdata",
  "/usr/share/tesseract-ocr/4.00/tessdata",
  "/usr/share/tessdata",
  "/usr/local/share/tessdata",
  "/opt/homebrew/share/tessdata",
];

export interface TessdataOptions {
  /** The app's writable data folder; the gathered folder lives in `<dataDir>/tessdata`. */
  dataDir: string;
  /** Extra folders searched before all others. */
  tessdataDirs?: readonly string[];
  /** System folders to search (default {@link SYSTEM_TESSDATA_DIRS}). */
  systemDirs?: readonly string[];
  /** Search npm `@tesseract.js-data/<lang>` packages (default true). */
  npmPackages?: boolean;
  /** Allow downloading missing languages with this fetch (machines with the internet). */
  download?: { fetch: typeof fetch; baseUrl?: string };
}

/** A language code tesseract understands: "eng", "rus", "chi_sim". */
const LANG_CODE = /^[a-z]{3}(?:_[a-z]+)*$/i;

/** Parses "rus+eng" into ["rus", "eng"], rejecting anything that isn't a language code. */
export function parseLangs(langs: string | readonly string[]): string[] {
  const list = (typeof langs === "string" ? langs.split("+") : [...langs])
    .map((lang) => lang.trim())
    .filter((lang) => lang.length > 0);
  const bad = list.find((lang) => !LANG_CODE.test(lang));
  if (list.length === 0 || bad !== undefined) {
    throw new ModelError("model.missing", `invalid OCR language list: "${String(langs)}"`, {
      langs: String(langs),
    });
  }
  return [...new Set(list)];
}

/**
 * Returns a folder holding `<lang>.traineddata` for every requested language (links to the
 * found files), downloading when allowed. Throws `ModelError` "model.missing" naming the
 * packages to install when a language can't be found.
 */
export async function gatherTessdata(
  langs: readonly string[],
  options: TessdataOptions,
): Promise<string> {
  const downloadDir = join(options.dataDir, "tessdata");
  const folder = join(options.dataDir, "ocr-langs");
  await mkdir(folder, { recursive: true });
  for (const lang of langs) {
    const source =
      (await findTessdata(lang, options)) ??
      (options.download ? await download(lang, downloadDir, options.download) : undefined);
    if (source === undefined) throw missing(lang, options);
    await linkInto(folder, `${lang}.traineddata`, source);
  }
  return folder;
}

/** The path of a local `<lang>.traineddata` (plain or gzipped), or undefined. */
export async function findTessdata(
  lang: string,
  options: TessdataOptions,
): Promise<string | undefined> {
  const dirs = [
    ...(options.tessdataDirs ?? []),
    ...(options.npmPackages === false ? [] : npmPackageDir(lang)),
    ...(options.systemDirs ?? SYSTEM_TESSDATA_DIRS),
    join(options.dataDir, "tessdata"),
  ];
  for (const dir of dirs) {
    for (const name of [`${lang}.traineddata`, `${lang}.traineddata.gz`]) {
      const path = join(dir, name);
      if (await readable(path)) return path;
    }
  }
  return undefined;
}

function npmPackageDir(lang: string): string[] {
  try {
    const require = createRequire(import.meta.url);
    return [
      join(dirname(require.resolve(`@tesseract.js-data/${lang}/package.json`)), "4.0.0_best_int"),
    ];
  } catch {
    return [];
  }
}

async function download(
  lang: string,
  dir: string,
  { fetch, baseUrl = TESSDATA_CDN }: NonNullable<TessdataOptions["download"]>,
): Promise<string> {
  const url = `${baseUrl}/${lang}/4.0.0_best_int/${lang}.traineddata.gz`;
  const response = await fetch(url);
  if (!response.ok) {
    throw new ModelError(
      "model.missing",
      `downloading ${url} failed with HTTP ${response.status}`,
      {
        lang,
        url,
      },
    );
  }
  const packed = new Uint8Array(await response.arrayBuffer());
  const data = packed[0] === 0x1f && packed[1] === 0x8b ? gunzipSync(packed) : packed;
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${lang}.traineddata`);
  // Write then rename, so a crash mid-download never leaves a truncated file that looks valid.
  await writeFile(`${path}.part`, data);
  await rename(`${path}.part`, path);
  return path;
}

/** Points `<folder>/<name>` at `target`, replacing what was there (atomically via rename). */
async function linkInto(folder: string, name: string, target: string): Promise<void> {
  const link = join(folder, name);
  const temp = join(folder, `.${name}.${process.pid}.tmp`);
  await rm(temp, { force: true });
  await symlink(target, temp);
  await rename(temp, link);
}

async function readable(path: string): Promise<boolean> {
  try {
    await access(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function missing(lang: string, options: TessdataOptions): ModelError {
  return new ModelError(
    "model.missing",
    `OCR language data "${lang}.traineddata" not found. Install it with ` +
      `"apt install tesseract-ocr-${lang}" (Debian/Ubuntu), "npm install @tesseract.js-data/${lang}", ` +
      `or copy ${lang}.traineddata into ${join(options.dataDir, "tessdata")}.`,
    { lang, install: `apt install tesseract-ocr-${lang}` },
  );
}
