/**
 * The page chain of a TIFF, walked in JavaScript without decoding anything. libvips counts
 * every page of a TIFF each time it opens one (about 50 µs a page), so a small file with
 * 100,000 one-pixel pages would cost seconds per page read; cut after the pages that will be
 * read, libvips never sees the rest.
 *
 * @example
 * const { pages, bytes: readable } = capTiffPages(bytes, 30); // pages: all of them
 */

/** A TIFF's page count and a copy of it holding at most `maxPages` pages. */
export interface CappedTiff {
  /** Pages (image file directories) in the whole chain, up to a loop or a broken link. */
  pages: number;
  /** The file itself when it has at most `maxPages` pages, else a copy whose chain ends there. */
  bytes: Uint8Array;
}

/**
 * Walks a TIFF's (or BigTIFF's) directory chain. Returns undefined for anything that is not
 * a TIFF or whose first directory lies outside the file (libvips then judges it as it is).
 */
export function capTiffPages(bytes: Uint8Array, maxPages: number): CappedTiff | undefined {
  if (bytes.byteLength < 8) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const order = String.fromCharCode(bytes[0]!, bytes[1]!);
  if (order !== "II" && order !== "MM") return undefined;
  const little = order === "II";
  const version = view.getUint16(2, little);
  if (version !== 42 && version !== 43) return undefined;
  const big = version === 43;
  if (big && bytes.byteLength < 16) return undefined;
  // Offsets: 4 bytes in a TIFF, 8 in a BigTIFF (files here are far below 2^53 bytes).
  const offsetAt = (at: number) =>
    big ? Number(view.getBigUint64(at, little)) : view.getUint32(at, little);
  const countSize = big ? 8 : 2;
  const entrySize = big ? 20 : 12;
  const offsetSize = big ? 8 : 4;

  const seen = new Set<number>();
  let pages = 0;
  let cutAt: number | undefined;
  let link = big ? 8 : 4;
  for (let ifd = offsetAt(link); ifd !== 0; ifd = offsetAt(link)) {
    if (seen.has(ifd) || ifd + countSize > bytes.byteLength) break;
    seen.add(ifd);
    const entries = big ? Number(view.getBigUint64(ifd, little)) : view.getUint16(ifd, little);
    const next = ifd + countSize + entries * entrySize;
    if (next + offsetSize > bytes.byteLength) break;
    pages++;
    link = next;
    if (pages === maxPages) cutAt = link;
  }
  if (pages === 0) return undefined;
  if (pages <= maxPages || cutAt === undefined) return { pages, bytes };
  const copy = new Uint8Array(bytes);
  copy.fill(0, cutAt, cutAt + offsetSize);
  return { pages, bytes: copy };
}
