/**
 * Files known to the server: what "users" sent and what the bot uploaded. Each gets a
 * Telegram-like `file_id`, `file_unique_id` and `file_path`, so `getFile` and
 * `GET /file/bot<token>/<file_path>` work as in Telegram.
 */
import { randomBytes } from "node:crypto";
import { extname } from "node:path";

/** Which Telegram folder a file lives in; also picks the default extension. */
export type FileKind = "voice" | "audio" | "document" | "photo" | "video_note" | "video";

/** A stored file with its bytes. */
export interface StoredFile {
  file_id: string;
  file_unique_id: string;
  file_path: string;
  file_size: number;
  fileName: string;
  mimeType: string;
  kind: FileKind;
  bytes: Buffer;
}

const FOLDERS: Record<FileKind, [folder: string, extension: string]> = {
  voice: ["voice", ".oga"],
  audio: ["music", ".mp3"],
  document: ["documents", ""],
  photo: ["photos", ".jpg"],
  video_note: ["video_notes", ".mp4"],
  video: ["videos", ".mp4"],
};

const MIME_BY_EXTENSION: Record<string, string> = {
  ".ogg": "audio/ogg",
  ".oga": "audio/ogg",
  ".opus": "audio/ogg",
  ".mp3": "audio/mpeg",
  ".m4a": "audio/mp4",
  ".wav": "audio/wav",
  ".flac": "audio/flac",
  ".mp4": "video/mp4",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".png": "image/png",
  ".webp": "image/webp",
  ".pdf": "application/pdf",
  ".txt": "text/plain",
  ".md": "text/markdown",
  ".json": "application/json",
  ".zip": "application/zip",
};

/** Telegram infers a document's MIME type from its name; grammY uploads say octet-stream. */
export function guessMimeType(fileName: string, declared?: string): string {
  if (declared && declared !== "application/octet-stream") return declared;
  return MIME_BY_EXTENSION[extname(fileName).toLowerCase()] ?? "application/octet-stream";
}

/** All files by id and by path. */
export class FileStore {
  private readonly byId = new Map<string, StoredFile>();
  private readonly byPath = new Map<string, StoredFile>();
  private next = 1;

  add(kind: FileKind, bytes: Uint8Array, fileName: string, mimeType: string): StoredFile {
    const n = this.next++;
    const [folder, defaultExtension] = FOLDERS[kind];
    const extension = extname(fileName) || defaultExtension;
    const file: StoredFile = {
      file_id: `${kind.toUpperCase()}-${n}-${randomBytes(6).toString("hex")}`,
      file_unique_id: `U${n}`,
      file_path: `${folder}/file_${n}${extension}`,
      file_size: bytes.length,
      fileName,
      mimeType,
      kind,
      bytes: Buffer.from(bytes),
    };
    this.byId.set(file.file_id, file);
    this.byPath.set(file.file_path, file);
    return file;
  }

  get(fileId: string): StoredFile | undefined {
    return this.byId.get(fileId);
  }

  atPath(filePath: string): StoredFile | undefined {
    return this.byPath.get(filePath);
  }
}

/** What a message carries besides the file: durations, dimensions, audio tags. */
export interface MediaDetails {
  duration?: number;
  width?: number;
  height?: number;
  title?: string;
  performer?: string;
}

/** The message field for a stored file: `{ voice: Voice }`, `{ photo: PhotoSize[] }`, .... */
export function mediaField(file: StoredFile, details: MediaDetails = {}): Record<string, unknown> {
  const ids = { file_id: file.file_id, file_unique_id: file.file_unique_id };
  const duration = details.duration ?? 0;
  switch (file.kind) {
    case "voice":
      return { voice: { ...ids, duration, mime_type: file.mimeType, file_size: file.file_size } };
    case "audio":
      return {
        audio: {
          ...ids,
          duration,
          ...(details.title === undefined ? {} : { title: details.title }),
          ...(details.performer === undefined ? {} : { performer: details.performer }),
          file_name: file.fileName,
          mime_type: file.mimeType,
          file_size: file.file_size,
        },
      };
    case "document":
      return {
        document: {
          ...ids,
          file_name: file.fileName,
          mime_type: file.mimeType,
          file_size: file.file_size,
        },
      };
    case "photo":
      return { photo: [photoSize(file, details)] };
    case "video_note":
      return {
        video_note: { ...ids, length: details.width ?? 240, duration, file_size: file.file_size },
      };
    case "video": {
      const { width = 0, height = 0 } = details;
      return {
        video: {
          ...ids,
          width,
          height,
          duration,
          mime_type: file.mimeType,
          file_size: file.file_size,
        },
      };
    }
  }
}

/** A PhotoSize for a stored image; dimensions from `details`, else read from PNG/JPEG headers. */
export function photoSize(file: StoredFile, details: MediaDetails = {}) {
  const sniffed = imageSize(file.bytes);
  return {
    file_id: file.file_id,
    file_unique_id: file.file_unique_id,
    width: details.width ?? sniffed?.width ?? 0,
    height: details.height ?? sniffed?.height ?? 0,
    file_size: file.file_size,
  };
}

/** Width and height of a PNG or baseline/progressive JPEG, or undefined for anything else. */
export function imageSize(bytes: Buffer): { width: number; height: number } | undefined {
  if (bytes.length >= 24 && bytes.readUInt32BE(0) === 0x89504e47) {
    return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let at = 2;
  while (at + 9 < bytes.length && bytes[at] === 0xff) {
    const marker = bytes[at + 1]!;
    const isFrame = marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
    if (isFrame) return { height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) };
    at += 2 + bytes.readUInt16BE(at + 2);
  }
  return undefined;
}
