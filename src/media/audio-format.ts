/**
 * Recognises audio containers by their first bytes, so the decoder can choose between
 * streaming through a pipe and going through a seekable temp file.
 */

/** Containers told apart by magic bytes; "other" covers MP4/M4A/MOV/WebM and the unknown. */
export type AudioContainer = "ogg" | "wav" | "flac" | "mp3" | "other";

function startsWith(bytes: Uint8Array, ascii: string, offset = 0): boolean {
  if (bytes.length < offset + ascii.length) return false;
  for (let i = 0; i < ascii.length; i++) {
    if (bytes[offset + i] !== ascii.charCodeAt(i)) return false;
  }
  return true;
}

/** Sniffs the container from magic bytes; the file name and MIME type are not trusted. */
export function sniffAudioContainer(bytes: Uint8Array): AudioContainer {
  if (startsWith(bytes, "OggS")) return "ogg";
  if (startsWith(bytes, "RIFF") && startsWith(bytes, "WAVE", 8)) return "wav";
  if (startsWith(bytes, "fLaC")) return "flac";
  if (startsWith(bytes, "ID3")) return "mp3";
  // An MPEG audio frame header: 11 sync bits, then a layer other than "reserved".
  const [b0, b1] = [bytes[0] ?? 0, bytes[1] ?? 0];
  if (b0 === 0xff && (b1 & 0xe0) === 0xe0 && (b1 & 0x06) !== 0) return "mp3";
  return "other";
}

/**
 * Whether ffmpeg can decode the container exactly from a pipe. OGG, WAV and FLAC can.
 * MP3 can be read from a pipe, but the gapless trim recorded in its LAME/Xing header
 * is applied only when the input is seekable (a 2 s MP3 decodes to 2.0125 s from a
 * pipe, to exactly 2 s from a file), so it goes through a file like MP4, whose index
 * may sit at the end.
 */
export function isPipeDecodable(container: AudioContainer): boolean {
  return container === "ogg" || container === "wav" || container === "flac";
}
