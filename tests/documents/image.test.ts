import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { crc32, deflateSync } from "node:zlib";
import sharp from "sharp";
import { imagePages, prepareImageForOcr } from "../../src/media/image.js";
import { capTiffPages } from "../../src/media/tiff.js";
import { textPng, textSvg } from "../support/text-images.js";
import { buildTiff, plainTiffPage } from "../support/tiffs.js";

/** A ~100-byte PNG whose header claims `width` x `height` pixels (a decompression bomb). */
function pngBomb(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit grayscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(Buffer.alloc(1000))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

describe("prepareImageForOcr", () => {
  it("rotates by EXIF orientation and outputs an upright grayscale PNG", async () => {
    const upright = await textPng(["Upright text"], { fontSize: 40 });
    const { width, height } = await sharp(upright).metadata();
    // Stored sideways, with orientation 6 telling viewers to turn it 90° clockwise.
    const sideways = await sharp(upright)
      .rotate(-90)
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const prepared = await prepareImageForOcr(sideways, { minSide: 1 });
    assert.equal(prepared.format, "jpeg");
    assert.deepEqual([prepared.width, prepared.height], [width, height]);
    const out = await sharp(prepared.png).metadata();
    assert.equal(out.format, "png");
    assert.equal(out.channels, 1);
  });

  it("upscales small images up to 4x", async () => {
    const tiny = await textPng(["tiny"], { fontSize: 10, margin: 4 });
    const { width } = await sharp(tiny).metadata();
    const prepared = await prepareImageForOcr(tiny);
    assert.equal(prepared.scale, 4);
    assert.equal(prepared.width, width! * 4);
  });

  it("downscales huge scans to the longest-side cap", async () => {
    const huge = await sharp({
      create: { width: 7000, height: 5000, channels: 3, background: "#ffffff" },
    })
      .composite([{ input: textSvg(["A big scan"], { fontSize: 200 }), top: 100, left: 100 }])
      .png()
      .toBuffer();
    const prepared = await prepareImageForOcr(huge);
    assert.equal(prepared.width, 3500);
    assert.equal(prepared.height, 2500);
    assert.ok(prepared.scale < 1);
  });

  it("refuses images above the pixel limit before decoding them", async () => {
    const bomb = pngBomb(100_000, 100_000);
    assert.ok(bomb.length < 200);
    await assert.rejects(prepareImageForOcr(bomb), {
      name: "InputError",
      code: "image.too_large",
    });
    const normal = await textPng(["fine"], { fontSize: 40 });
    await assert.rejects(prepareImageForOcr(normal, { maxInputPixels: 1000 }), {
      code: "image.too_large",
    });
  });

  it("refuses files above the byte limit", async () => {
    const png = await textPng(["fine"], { fontSize: 40 });
    await assert.rejects(prepareImageForOcr(png, { maxBytes: 100 }), { code: "image.too_large" });
  });

  it("rejects corrupt, truncated, empty and non-raster input with typed errors", async () => {
    await assert.rejects(prepareImageForOcr(Buffer.from("definitely not an image")), {
      name: "InputError",
      code: "image.corrupt",
    });
    const png = await textPng(["truncated"], { fontSize: 40 });
    await assert.rejects(prepareImageForOcr(png.subarray(0, png.length / 2)), {
      code: "image.corrupt",
    });
    await assert.rejects(prepareImageForOcr(textSvg(["vector"])), { code: "image.corrupt" });
    await assert.rejects(prepareImageForOcr(new Uint8Array(0)), { code: "input.empty" });
  });
});

describe("imagePages", () => {
  const frames = (count: number) =>
    Promise.all(
      Array.from({ length: count }, (_, n) =>
        sharp({ create: { width: 30, height: 20, channels: 3, background: n ? "#000" : "#fff" } })
          .png()
          .toBuffer(),
      ),
    );

  it("counts a TIFF's pages and hands libvips no more than the cap", async () => {
    const tiff = buildTiff(Array.from({ length: 50 }, () => plainTiffPage(4, 4)));
    const all = await imagePages(tiff, 100);
    assert.equal(all.pages, 50);
    assert.equal(all.bytes, tiff, "under the cap the file is read as it is");
    const capped = await imagePages(tiff, 3);
    assert.equal(capped.pages, 50);
    assert.equal((await sharp(capped.bytes).metadata()).pages, 3);
  });

  it("counts the pages of a TIFF written by libvips, BigTIFF too", async () => {
    for (const bigtiff of [false, true]) {
      const tiff = await sharp(await frames(3), { join: { animated: true } })
        .tiff({ compression: "lzw", bigtiff })
        .toBuffer();
      const capped = await imagePages(tiff, 2);
      assert.equal(capped.pages, 3, `bigtiff: ${bigtiff}`);
      assert.equal((await sharp(capped.bytes).metadata()).pages, 2, `bigtiff: ${bigtiff}`);
    }
  });

  it("reads an animated GIF or WebP as one picture", async () => {
    for (const format of ["gif", "webp"] as const) {
      const animation = await sharp(await frames(2), { join: { animated: true } })
        .toFormat(format)
        .toBuffer();
      assert.equal((await sharp(animation).metadata()).pages, 2);
      assert.equal((await imagePages(animation, 30)).pages, 1, format);
    }
  });

  it("stops counting at a loop in the page chain", () => {
    const tiff = buildTiff([plainTiffPage(4, 4), plainTiffPage(4, 4)]);
    const first = tiff.readUInt32LE(4);
    const second = tiff.readUInt32LE(first + 2 + 9 * 12);
    tiff.writeUInt32LE(first, second + 2 + 9 * 12); // the second page points back at the first
    assert.equal(capTiffPages(tiff, 30)?.pages, 2);
    assert.equal(capTiffPages(Buffer.from("not a tiff at all"), 30), undefined);
  });

  it("applies the pixel limit to each page", async () => {
    const tiff = buildTiff([plainTiffPage(4, 4), { width: 50_000, height: 50_000, claimed: true }]);
    assert.equal((await imagePages(tiff, 30)).pages, 2);
    await prepareImageForOcr(tiff, {}, 0);
    await assert.rejects(prepareImageForOcr(tiff, {}, 1), { code: "image.too_large" });
  });
});
