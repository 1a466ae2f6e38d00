/**
 * Writes multi-page TIFF files byte by byte for tests, so a test can also build what no
 * encoder would write: a damaged page among good ones, a page claiming absurd dimensions,
 * thousands of pages. Pages are 8-bit grayscale, one uncompressed strip each.
 */
import sharp from "sharp";
import { textSvg, type TextImageOptions } from "./text-images.js";

export type TiffPage =
  /** A real page: `gray` holds width x height bytes, 0 black to 255 white. */
  | { width: number; height: number; gray: Uint8Array }
  /** A page whose header claims this size over a few bytes of data (decoding it must fail). */
  | { width: number; height: number; claimed: true }
  /** A page whose data is garbage declared as LZW: its header reads, its pixels don't. */
  | { width: number; height: number; corrupt: true };

const SHORT = 3;
const LONG = 4;

/** A little-endian TIFF with the pages in order, each IFD pointing at the next. */
export function buildTiff(pages: readonly TiffPage[]): Buffer {
  const parts: Buffer[] = [];
  let offset = 8;
  const header = Buffer.alloc(8);
  header.write("II", 0, "latin1");
  header.writeUInt16LE(42, 2);
  parts.push(header);
  let previousNext = 4; // where the offset of the next IFD goes
  const patches: Array<[number, number]> = [];
  for (const page of pages) {
    const data =
      "gray" in page ? Buffer.from(page.gray) : Buffer.from("garbage, not a strip of pixels");
    const dataOffset = offset;
    parts.push(data);
    offset += data.length + (data.length % 2); // IFDs start on a word boundary
    if (data.length % 2) parts.push(Buffer.alloc(1));
    const entries: Array<[tag: number, type: number, value: number]> = [
      [256, LONG, page.width],
      [257, LONG, page.height],
      [258, SHORT, 8],
      [259, SHORT, "corrupt" in page ? 5 : 1],
      [262, SHORT, 1],
      [273, LONG, dataOffset],
      [277, SHORT, 1],
      [278, LONG, page.height],
      [279, LONG, data.length],
    ];
    const ifd = Buffer.alloc(2 + entries.length * 12 + 4);
    ifd.writeUInt16LE(entries.length, 0);
    entries.forEach(([tag, type, value], i) => {
      const at = 2 + i * 12;
      ifd.writeUInt16LE(tag, at);
      ifd.writeUInt16LE(type, at + 2);
      ifd.writeUInt32LE(1, at + 4);
      if (type === SHORT) ifd.writeUInt16LE(value, at + 8);
      else ifd.writeUInt32LE(value, at + 8);
    });
    patches.push([previousNext, offset]);
    previousNext = offset + 2 + entries.length * 12;
    parts.push(ifd);
    offset += ifd.length;
  }
  const file = Buffer.concat(parts);
  for (const [at, value] of patches) file.writeUInt32LE(value, at);
  return file;
}

/** A page showing the lines in black DejaVu Sans on white (as `textPng` draws them). */
export async function textTiffPage(
  lines: readonly string[],
  options?: TextImageOptions,
): Promise<TiffPage> {
  const { data, info } = await sharp(textSvg(lines, options))
    .flatten({ background: "#ffffff" })
    .grayscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, gray: data };
}

/** A page of one colour (255: blank white). */
export function plainTiffPage(width: number, height: number, value = 255): TiffPage {
  return { width, height, gray: new Uint8Array(width * height).fill(value) };
}
