/**
 * The second look at suspect words ({@link findSuspects}): every suspect of a page is cut out,
 * the cut-outs are stacked into one small strip image, and the strip is read twice, once per
 * language, so a page costs two small extra reads however many suspects it has (about 0.1 s
 * each with the native program). {@link chooseScript} then decides each word.
 */
import sharp from "sharp";
import type { OcrWord, WordLine } from "./layout.js";
import { SCRIPT_LANGS, chooseScript, findSuspects, scriptOf, type Script } from "./script-fix.js";

/** Reads an image with the given languages ("rus", "eng", "rus+eng"). */
export type ReadLines = (
  image: Uint8Array,
  langs: string,
  signal: AbortSignal,
) => Promise<WordLine[]>;

const flip = (script: Script): Script => (script === "latin" ? "cyrillic" : "latin");

/** `lines` with each suspect word switched to the other script where the re-reading says so. */
export async function rereadSuspects(
  image: Uint8Array,
  lines: readonly WordLine[],
  langs: readonly string[],
  read: ReadLines,
  signal: AbortSignal,
): Promise<readonly WordLine[]> {
  if (!Object.values(SCRIPT_LANGS).every((lang) => langs.includes(lang))) return lines;
  const suspects = lines.flatMap((line) =>
    findSuspects(line.words.map((word) => word.text)).map((suspect) => ({
      ...suspect,
      word: line.words[suspect.index]!,
    })),
  );
  if (suspects.length === 0) return lines;
  const { strip, bands } = await stackWords(
    image,
    suspects.map((suspect) => suspect.word),
  );
  const readings: Partial<Record<Script, (BandReading | undefined)[]>> = {};
  for (const script of ["cyrillic", "latin"] as const) {
    readings[script] = bandReadings(await read(strip, SCRIPT_LANGS[script], signal), bands);
  }
  const switched = new Map<OcrWord, string>();
  suspects.forEach((suspect, i) => {
    const script = flip(suspect.script);
    const own = readings[suspect.script]?.[i];
    const other = readings[script]?.[i];
    if (own && other && chooseScript(suspect, own.confidence, other.confidence)) {
      // The other language's own word when it is one word in its script ("the" for "{Не"),
      // else the same letters in that script.
      const word = /^\S+$/u.test(other.text) && scriptOf(other.text) === script;
      switched.set(suspect.word, word ? other.text : suspect.other);
    }
  });
  return lines.map((line) => ({
    ...line,
    words: line.words.map((word) => {
      const text = switched.get(word);
      return text === undefined ? word : { ...word, text };
    }),
  }));
}

/** The words cut out of `image` with a margin and stacked one under another on white. */
async function stackWords(
  image: Uint8Array,
  words: readonly OcrWord[],
): Promise<{ strip: Buffer; bands: Array<[number, number]> }> {
  const { width = 0, height = 0 } = await sharp(image).metadata();
  const pad = 20;
  const crops = await Promise.all(
    words.map(async (word) => {
      const margin = Math.round(0.35 * (word.y1 - word.y0));
      const left = Math.max(0, word.x0 - margin);
      const top = Math.max(0, word.y0 - margin);
      const box = {
        left,
        top,
        width: Math.max(1, Math.min(width, word.x1 + margin) - left),
        height: Math.max(1, Math.min(height, word.y1 + margin) - top),
      };
      return { box, input: await sharp(image).extract(box).png().toBuffer() };
    }),
  );
  const gap = Math.max(...crops.map((crop) => crop.box.height));
  const bands: Array<[number, number]> = [];
  let y = pad;
  for (const crop of crops) {
    bands.push([y, y + crop.box.height]);
    y += crop.box.height + gap;
  }
  const strip = await sharp({
    create: {
      width: Math.max(...crops.map((crop) => crop.box.width)) + 2 * pad,
      height: y - gap + pad,
      channels: 3,
      background: "#fff",
    },
  })
    .composite(crops.map((crop, i) => ({ input: crop.input, left: pad, top: bands[i]![0] })))
    .png()
    .toBuffer();
  return { strip, bands };
}

/** What one language read inside one band of the strip. */
interface BandReading {
  /** The words read there, joined by spaces. */
  text: string;
  /** Their mean confidence. */
  confidence: number;
}

/** What was read inside each band (undefined: nothing). */
function bandReadings(
  lines: readonly WordLine[],
  bands: ReadonlyArray<[number, number]>,
): (BandReading | undefined)[] {
  const words = lines.flatMap((line) => line.words);
  return bands.map(([top, bottom]) => {
    const inside = words.filter((word) => {
      const middle = (word.y0 + word.y1) / 2;
      return middle >= top && middle <= bottom;
    });
    if (inside.length === 0) return undefined;
    return {
      text: inside.map((word) => word.text).join(" "),
      confidence: inside.reduce((sum, word) => sum + word.confidence, 0) / inside.length,
    };
  });
}
