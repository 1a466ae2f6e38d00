/**
 * Finding and downloading the media in a message. Sizes are checked against the limit
 * before anything is downloaded.
 */
import fs from "node:fs/promises";
import type { Message } from "grammy/types";
import { InputError, ToolError } from "../shared/errors.js";
import type { FileFetcher } from "./ports.js";

export type MediaKind = "image" | "pdf" | "audio";

export interface MediaRef {
  kind: MediaKind;
  fileId: string;
  /** Telegram's id of the file's content: the same picture keeps it across messages. */
  uniqueId?: string;
  fileSize?: number;
  fileName?: string;
  mimeType?: string;
}

/** Media in a message, or `{ unsupported }` naming a document type we can't read. */
export function findMedia(
  message: Message | undefined,
): MediaRef | { unsupported: string } | undefined {
  if (!message) return undefined;
  if (message.photo?.length) {
    const largest = message.photo.at(-1)!;
    return {
      kind: "image",
      fileId: largest.file_id,
      uniqueId: largest.file_unique_id,
      fileSize: largest.file_size,
      mimeType: "image/jpeg",
    };
  }
  const audio = message.voice ?? message.audio ?? message.video_note ?? message.video;
  if (audio) {
    const named = audio as { file_name?: string; mime_type?: string };
    return {
      kind: "audio",
      fileId: audio.file_id,
      fileSize: audio.file_size,
      fileName: named.file_name,
      mimeType: named.mime_type ?? (message.video_note ? "video/mp4" : undefined),
    };
  }
  const document = message.document;
  if (!document) return undefined;
  const mime = document.mime_type ?? "";
  const name = document.file_name ?? "";
  const base = {
    fileId: document.file_id,
    uniqueId: document.file_unique_id,
    fileSize: document.file_size,
    fileName: document.file_name,
    mimeType: document.mime_type,
  };
  if (mime === "application/pdf" || /\.pdf$/i.test(name)) return { kind: "pdf", ...base };
  if (mime.startsWith("image/") || /\.(png|jpe?g|webp|tiff?|bmp|gif|heic)$/i.test(name))
    return { kind: "image", ...base };
  if (
    mime.startsWith("audio/") ||
    mime.startsWith("video/") ||
    /\.(ogg|oga|opus|mp3|m4a|wav|flac|mp4|mkv|mov|webm|aac)$/i.test(name)
  )
    return { kind: "audio", ...base };
  return { unsupported: mime || name.split(".").pop() || "?" };
}

/** Fetches files from the Bot API server; a local server (--local) gives absolute paths on disk. */
export function createFileFetcher(
  apiRoot: string,
  token: string,
  fetchImpl: typeof fetch = fetch,
): FileFetcher {
  return async (filePath, signal) => {
    if (filePath.startsWith("/")) return new Uint8Array(await fs.readFile(filePath));
    const response = await fetchImpl(`${apiRoot}/file/bot${token}/${filePath}`, { signal });
    if (!response.ok)
      throw new ToolError("tool.failed", `file download failed with HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  };
}

/** Refuses files over the limit before downloading them. */
export function checkSize(media: MediaRef, maxBytes: number): void {
  if (media.fileSize !== undefined && media.fileSize > maxBytes) {
    throw new InputError("input.too_large", `file of ${media.fileSize} bytes exceeds ${maxBytes}`, {
      limitMb: Math.round((maxBytes / 2 ** 20) * 10) / 10,
    });
  }
}
