/**
 * Which pictures a question is about: the one sent with it, then the newest ones of the
 * conversation (a follow-up still sees them until /reset). Only references are stored, so
 * the bytes come from the front-end that received them, through a fetcher.
 */
import type { ImageRef } from "../memory/index.js";

/** A picture as the front-end knows it (a Telegram file id and its stable unique id). */
export type PictureRef = ImageRef;

export type Picture = PictureRef & { bytes: Uint8Array };

/** Downloads a picture by its reference; a failure rejects. */
export type PictureFetcher = (ref: PictureRef) => Promise<Uint8Array>;

/** Pictures shown to the vision model with one question at most (the newest). */
export const MAX_PICTURES = 2;

/**
 * The pictures in context, downloaded, newest first. The new picture must download (its
 * failure is the request's); an earlier one that can no longer be fetched is left out, and
 * `onLost` told: without any, the conversation goes on with the chat model.
 */
export async function picturesInContext(
  sent: PictureRef | undefined,
  earlier: readonly PictureRef[],
  fetch: PictureFetcher,
  onLost: (ref: PictureRef, error: unknown) => void,
): Promise<Picture[]> {
  const refs: PictureRef[] = sent ? [sent] : [];
  for (const ref of earlier) {
    if (!refs.some((known) => known.uniqueId === ref.uniqueId)) refs.push(ref);
  }
  const pictures: Picture[] = [];
  for (const ref of refs.slice(0, MAX_PICTURES)) {
    if (ref === sent) {
      pictures.push({ ...ref, bytes: await fetch(ref) });
      continue;
    }
    try {
      pictures.push({ ...ref, bytes: await fetch(ref) });
    } catch (error) {
      onLost(ref, error);
    }
  }
  return pictures;
}
