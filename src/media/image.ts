/**
 * Image intake for OCR: turns whatever photo or scan a user sent into a clean grayscale PNG
 * at a resolution tesseract reads well, and refuses input that would blow up memory.
 *
 * @example
 * const prepared = await prepareImageForOcr(bytes, { maxBytes: 20 << 20 });
 * await ocr.run({ image: prepared.png });
 */
import sharp, { type Sharp } from "sharp";
import { InputError } from "../shared/errors.js";
import { capTiffPages } from "./tiff.js";

/** Limits and targets for {@link prepareImageForOcr}. Every field has a production default. */
export interface ImageIntakeOptions {
  /** Refuse files larger than this many bytes. Default 20 MiB (Telegram's download limit). */
  maxBytes?: number;
  /**
   * Refuse images with more pixels than this, read from the header before decoding, so a
   * small file that decodes into gigabytes (a decompression bomb) never gets decoded.
   * Default 100 megapixels (covers 108 MP phone cameras).
   */
  maxInputPixels?: number;
  /** Downscale so the longest side is at most this. Default 3500 px. */
  maxSide?: number;
  /** Upscale images whose longest side is below this (small text reads badly). Default 1600 px. */
  minSide?: number;
  /** Never upscale by more than this factor. Default 4. */
  maxUpscale?: number;
}

/** An image ready for an OCR engine. */
export interface PreparedImage {
  /** 8-bit grayscale PNG, upright, contrast-normalized. */
  png: Buffer;
  width: number;
  height: number;
  /** The decoded format of the input, e.g. "jpeg". */
  format: string;
  /** Size of the input after EXIF rotation, before scaling. */
  sourceWidth: number;
  sourceHeight: number;
  /** Factor applied to the upright input (> 1 upscaled, < 1 downscaled). */
  scale: number;
}

const DEFAULTS: Required<ImageIntakeOptions> = {
  maxBytes: 20 * 1024 * 1024,
  maxInputPixels: 100_000_000,
  maxSide: 3500,
  minSide: 1600,
  maxUpscale: 4,
};

/**
 * Raster formats a user can send as a photo or file. SVG and PDF are left out on purpose:
 * librsvg would render vector input (and may follow references), PDFs have their own path.
 */
const RASTER_FORMATS = new Set(["jpeg", "png", "webp", "gif", "tiff", "heif", "avif", "jp2"]);

/**
 * Formats whose further pages are pages of a document (a fax, a multi-page scan). The frames
 * of an animated GIF or WebP are one picture moving, mostly the same text again: only the
 * first is read, as for any picture.
 */
const PAGED_FORMATS = new Set(["tiff"]);

/** An image as pages of a document: see {@link imagePages}. */
export interface ImagePages {
  /** Pages of a multi-page TIFF; 1 for anything else (animations included). */
  pages: number;
  /** The image to read pages from: a TIFF of more than `maxPages` pages is cut after them. */
  bytes: Uint8Array;
}

/**
 * How many pages of a document an image holds, and the bytes to read its first `maxPages`
 * from. Validates like {@link prepareImageForOcr} (byte limit, header, the first page's pixel
 * limit) and throws the same `InputError`s.
 */
export async function imagePages(
  bytes: Uint8Array,
  maxPages: number,
  options: ImageIntakeOptions = {},
): Promise<ImagePages> {
  const limits = { ...DEFAULTS, ...options };
  checkBytes(bytes, limits);
  const tiff = capTiffPages(bytes, maxPages);
  const readable = tiff?.bytes ?? bytes;
  const raster = await openRaster(readable, limits, 0);
  if (!PAGED_FORMATS.has(raster.format)) return { pages: 1, bytes };
  return { pages: tiff?.pages ?? raster.pages, bytes: readable };
}

/**
 * One page (0-based) of a multi-page image as a colour PNG, for a reader that prepares images
 * itself (the vision model). The page's pixel limit is checked first; a page longer than
 * `maxSide` is scaled down to it, so the PNG stays within the intake's byte limit.
 */
export async function extractImagePage(
  bytes: Uint8Array,
  page: number,
  options: ImageIntakeOptions = {},
): Promise<Buffer> {
  const limits = { ...DEFAULTS, ...options };
  const raster = await openRaster(bytes, limits, page);
  try {
    return await raster
      .input()
      .autoOrient()
      .resize({
        width: limits.maxSide,
        height: limits.maxSide,
        fit: "inside",
        withoutEnlargement: true,
      })
      .png()
      .toBuffer();
  } catch (error) {
    throw corrupt(error);
  }
}

/**
 * Validates, rotates (EXIF), flattens, grayscales, normalizes contrast and rescales an image
 * for OCR. Throws `InputError` "image.too_large" above the byte or pixel limit and
 * "image.corrupt" for data that is not a readable raster image. `page` (0-based) picks a page
 * of a multi-page image (see {@link imagePageCount}); the pixel limit applies to that page.
 */
export async function prepareImageForOcr(
  bytes: Uint8Array,
  options: ImageIntakeOptions = {},
  page = 0,
): Promise<PreparedImage> {
  const limits = { ...DEFAULTS, ...options };
  const raster = await openRaster(bytes, limits, page);
  const { sourceWidth, sourceHeight } = raster;
  const scale = chooseScale(Math.max(sourceWidth, sourceHeight), limits);

  try {
    let pipeline = raster
      .input()
      .autoOrient()
      .flatten({ background: "#ffffff" })
      .grayscale()
      .normalize();
    if (scale !== 1) {
      pipeline = pipeline.resize({
        width: Math.max(1, Math.round(sourceWidth * scale)),
        height: Math.max(1, Math.round(sourceHeight * scale)),
        fit: "fill",
        kernel: scale > 1 ? "cubic" : "lanczos3",
      });
    }
    return await encodePng(pipeline.toColourspace("b-w"), raster, scale);
  } catch (error) {
    throw corrupt(error);
  }
}

/** Limits for {@link prepareImageForVision}: the intake limits and the model's pixel budget. */
export interface VisionImageOptions extends Pick<
  ImageIntakeOptions,
  "maxBytes" | "maxInputPixels"
> {
  /** Downscale (never upscale) so width x height stays within this. */
  maxPixels: number;
}

/**
 * Validates like {@link prepareImageForOcr} (same refusals of bombs and absurd sizes), then
 * rotates (EXIF), flattens onto white and downscales a colour copy to the vision model's
 * pixel budget: a VLM sees colours and layout, and pixels beyond its budget only cost time.
 */
export async function prepareImageForVision(
  bytes: Uint8Array,
  options: VisionImageOptions,
): Promise<PreparedImage> {
  const limits = { ...DEFAULTS, ...options };
  const raster = await openRaster(bytes, limits, 0);
  const { sourceWidth, sourceHeight } = raster;
  const scale = Math.min(1, Math.sqrt(options.maxPixels / (sourceWidth * sourceHeight)));
  try {
    let pipeline = raster.input().autoOrient().flatten({ background: "#ffffff" });
    if (scale < 1) {
      pipeline = pipeline.resize({
        width: Math.max(1, Math.floor(sourceWidth * scale)),
        height: Math.max(1, Math.floor(sourceHeight * scale)),
        fit: "fill",
        kernel: "lanczos3",
      });
    }
    return await encodePng(pipeline.toColourspace("srgb"), raster, scale);
  } catch (error) {
    throw corrupt(error);
  }
}

/** Encodes a prepared image as a fast-to-write PNG and says where it came from. */
async function encodePng(
  pipeline: Sharp,
  raster: { format: string; sourceWidth: number; sourceHeight: number },
  scale: number,
): Promise<PreparedImage> {
  const { data, info } = await pipeline
    .png({ compressionLevel: 1 })
    .toBuffer({ resolveWithObject: true });
  const { format, sourceWidth, sourceHeight } = raster;
  return {
    png: data,
    width: info.width,
    height: info.height,
    format,
    sourceWidth,
    sourceHeight,
    scale,
  };
}

/**
 * Checks an image's size and the header of its page `page` (0-based) before anything is
 * decoded: returns a way to open that page, its upright size and the image's page count, or
 * throws `InputError` ("image.too_large", "image.corrupt").
 */
async function openRaster(
  bytes: Uint8Array,
  limits: Pick<Required<ImageIntakeOptions>, "maxBytes" | "maxInputPixels">,
  page: number,
): Promise<{
  input: () => Sharp;
  format: string;
  sourceWidth: number;
  sourceHeight: number;
  pages: number;
}> {
  checkBytes(bytes, limits);
  const input = () =>
    sharp(bytes, { limitInputPixels: limits.maxInputPixels, failOn: "error", pages: 1, page });
  const meta = await input()
    .metadata()
    .catch((error: unknown) => {
      throw corrupt(error);
    });
  if (!meta.format || !RASTER_FORMATS.has(meta.format) || !meta.width || !meta.height) {
    throw new InputError("image.corrupt", `unsupported image format: ${meta.format ?? "unknown"}`, {
      format: meta.format ?? "unknown",
    });
  }
  // Multi-page inputs (GIF, TIFF) report the whole stack's height as pageHeight * pages.
  const height = meta.pageHeight ?? meta.height;
  if (meta.width * height > limits.maxInputPixels) {
    throw new InputError(
      "image.too_large",
      `the image has ${meta.width}x${height} pixels, more than the ${limits.maxInputPixels} allowed`,
      { width: meta.width, height, maxPixels: limits.maxInputPixels },
    );
  }

  // Orientations 5-8 swap width and height.
  const swapped = (meta.orientation ?? 1) >= 5;
  return {
    input,
    format: meta.format,
    sourceWidth: swapped ? height : meta.width,
    sourceHeight: swapped ? meta.width : height,
    pages: meta.pages ?? 1,
  };
}

/** Throws `InputError` for an empty image or one above the byte limit. */
function checkBytes(bytes: Uint8Array, limits: Pick<Required<ImageIntakeOptions>, "maxBytes">) {
  if (bytes.byteLength === 0) throw new InputError("input.empty", "the image is empty");
  if (bytes.byteLength > limits.maxBytes) {
    throw new InputError(
      "image.too_large",
      `the image is ${bytes.byteLength} bytes, more than the ${limits.maxBytes} allowed`,
      { bytes: bytes.byteLength, maxBytes: limits.maxBytes },
    );
  }
}

/** The resize factor for an upright image whose longest side is `longSide`. */
export function chooseScale(
  longSide: number,
  limits: Pick<Required<ImageIntakeOptions>, "maxSide" | "minSide" | "maxUpscale">,
): number {
  if (longSide > limits.maxSide) return limits.maxSide / longSide;
  if (longSide < limits.minSide) return Math.min(limits.maxUpscale, limits.minSide / longSide);
  return 1;
}

function corrupt(error: unknown): InputError {
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message)) {
    return new InputError("image.too_large", "the image has too many pixels", {}, { cause: error });
  }
  return new InputError(
    "image.corrupt",
    `the image can't be read: ${message}`,
    {},
    { cause: error },
  );
}
