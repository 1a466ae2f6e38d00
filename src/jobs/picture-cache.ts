/**
 * The bytes of pictures fetched lately, so that a follow-up question about a picture in the
 * conversation doesn't fetch it again: from Telegram that was a getFile call and a download
 * for every follow-up (in bench:load's crowd about three in four of the bot's getFile calls,
 * each with its download). Least recently used first out, bounded by bytes, and
 * each picture kept at most `maxAgeMs` after it was fetched: pictures are people's private
 * data, held in memory only while a conversation about them is likely to go on.
 */
import type { Clock, TimerHandle } from "../shared/clock.js";
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
  /** By unique id, least recently used first. */
  private readonly pictures = new Map<string, Kept>();
  private bytes = 0;

  constructor(private readonly options: PictureCacheOptions) {}

  /** `fetch`, answered from what was fetched lately when it can be. */
  through(fetch: PictureFetcher): PictureFetcher {
    return async (ref: PictureRef) => {
      const kept = this.take(ref.uniqueId);
      if (kept) return kept;
      const bytes = await fetch(ref);
      this.keep(ref.uniqueId, bytes);
      return bytes;
    };
  }

  private take(key: string): Uint8Array | undefined {
    const kept = this.pictures.get(key);
    if (!kept) return undefined;
    // Most recently used last.
    this.pictures.delete(key);
    this.pictures.set(key, kept);
    return kept.bytes;
  }

  private keep(key: string, bytes: Uint8Array): void {
    if (bytes.byteLength > this.options.maxBytes) return;
    this.drop(key);
    const { clock, maxAgeMs } = this.options;
    this.pictures.set(key, { bytes, expiry: clock.setTimeout(() => this.drop(key), maxAgeMs) });
    this.bytes += bytes.byteLength;
    for (const oldest of this.pictures.keys()) {
      if (this.bytes <= this.options.maxBytes) break;
      this.drop(oldest);
    }
  }

  private drop(key: string): void {
    const kept = this.pictures.get(key);
    if (!kept) return;
    this.pictures.delete(key);
    this.options.clock.clearTimeout(kept.expiry);
    this.bytes -= kept.bytes.byteLength;
  }
}
