/** Renders text into images and PDFs for OCR tests, and scores OCR output. */
import sharp from "sharp";

export const DEJAVU_SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

export interface TextImageOptions {
  fontSize?: number;
  width?: number;
  /** Blank space around the text in pixels. */
  margin?: number;
  lineHeight?: number;
}

const escapeXml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Black DejaVu Sans text on white, one SVG <text> per line (empty lines leave a gap). */
export function textSvg(lines: readonly string[], options: TextImageOptions = {}): Buffer {
  const fontSize = options.fontSize ?? 32;
  const margin = options.margin ?? fontSize;
  const lineHeight = options.lineHeight ?? Math.round(fontSize * 1.5);
  const longest = Math.max(...lines.map((line) => line.length));
  const width = options.width ?? Math.ceil(longest * fontSize * 0.62 + 2 * margin);
  const height = lines.length * lineHeight + 2 * margin;
  const texts = lines
    .map(
      (line, i) =>
        `<text x="${margin}" y="${margin + (i + 0.8) * lineHeight}">${escapeXml(line)}</text>`,
    )
    .join("");
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<rect width="100%" height="100%" fill="#fff"/>` +
      `<g font-family="DejaVu Sans" font-size="${fontSize}" fill="#000">${texts}</g></svg>`,
  );
}

/** The lines rendered to a PNG. */
export async function textPng(
  lines: readonly string[],
  options?: TextImageOptions,
): Promise<Buffer> {
  return sharp(textSvg(lines, options)).png().toBuffer();
}

/** Levenshtein distance over Unicode code points. */
export function levenshtein(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[y.length]!;
}

/** Character error rate after collapsing whitespace: edits / reference length. */
export function characterErrorRate(reference: string, hypothesis: string): number {
  const norm = (text: string) => text.replace(/\s+/g, " ").trim();
  const ref = norm(reference);
  return levenshtein(ref, norm(hypothesis)) / Math.max(1, [...ref].length);
}
