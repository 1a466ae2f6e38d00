/**
 * The bytes of pictures fetched lately, so that a follow-up question about a picture in the
 * conversation doesn't fetch it again: from Telegram that was a getFile call and a download
 * for every follow-up (in bench:load's crowd about three in four of the bot's getFile calls,
 * each with its download). Least recently used first out, bounded by bytes, and
 * each picture kept at most `maxAgeMs` after it was fetched: pictures are people's private
 * data, held in memory only while a conversation about them is likely to go on.
 */
import type { Clock, TimerHandle } from "../shared/clock.js";
import { LruByBytes } from "../shared/lru-by-bytes.js";
import type { PictureFetcher, PictureRef } from "./pictures.js";

export interface PictureCacheOptions {
  maxBytes: number;
  maxAgeMs: number;
  clock: Clock;
}

/** 10 minutes and 64 MiB: a few dozen conversations' photos. */
export const DEFAULT_PICTURE_CACHE: Omit<PictureCacheOptions, "clock"> = {
  maxBytes: 64 * 2 ** 20,
  maxAgeMs: 10 * 60_000,
};

interface Kept {
  bytes: Uint8Array;
  /** Drops the picture `maxAgeMs` after it was fetched, used or not. */
  expiry: TimerHandle;
}

export class PictureCache {
  /** By unique id. */
  private readonly pictures: LruByBytes<Kept>;

  constructor(private readonly options: PictureCacheOptions) {
    this.pictures = new LruByBytes(options.maxBytes, (kept) =>
      options.clock.clearTimeout(kept.expiry),
    );
  }

  /** `fetch`, answered from what was fetched lately when it can be. */
  through(fetch: PictureFetcher): PictureFetcher {
    return async (ref: PictureRef) => {
      const kept = this.pictures.get(ref.uniqueId);
      if (kept) return kept.bytes;
      const bytes = await fetch(ref);
      this.keep(ref.uniqueId, bytes);
      return bytes;
    };
  }

  private keep(key: string, bytes: Uint8Array): void {
    const { clock, maxAgeMs } = this.options;
    const expiry = clock.setTimeout(() => this.pictures.delete(key), maxAgeMs);
    this.pictures.set(key, { bytes, expiry }, bytes.byteLength);
  }
}
