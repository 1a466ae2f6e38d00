/**
 * A transcript in each `response_format` of OpenAI's transcription API. Pure: the segments
 * (the speech windows Whisper heard, with their times in the recording) go in, a body and
 * its content type come out.
 */
import type { Transcript } from "../../jobs/index.js";
import { subtitleCues, toSrt, toVtt } from "../../shared/subtitles.js";

export const TRANSCRIPT_FORMATS = ["json", "text", "srt", "vtt", "verbose_json"] as const;
export type TranscriptFormat = (typeof TRANSCRIPT_FORMATS)[number];

/** What a transcription answers: a JSON body, or text with its content type. */
export type TranscriptBody =
  { json: Record<string, unknown> } | { text: string; contentType: string };

/** The transcript as `format` writes it. */
export function transcriptBody(
  transcript: Pick<Transcript, "text" | "language" | "durationS" | "segments">,
  format: TranscriptFormat,
): TranscriptBody {
  const { text, durationS, segments } = transcript;
  switch (format) {
    case "json":
      return { json: { text } };
    case "text":
      return { text: `${text}\n`, contentType: "text/plain; charset=utf-8" };
    case "srt":
      return { text: toSrt(segments, durationS), contentType: "text/plain; charset=utf-8" };
    case "vtt":
      return { text: toVtt(segments, durationS), contentType: "text/vtt; charset=utf-8" };
    case "verbose_json":
      return { json: verboseJson(transcript) };
  }
}

/** OpenAI's verbose_json: segments in order, inside the recording, numbered from 0. */
export function verboseJson(
  transcript: Pick<Transcript, "text" | "language" | "durationS" | "segments">,
): Record<string, unknown> {
  return {
    task: "transcribe",
    language: transcript.language,
    duration: transcript.durationS,
    text: transcript.text,
    segments: subtitleCues(transcript.segments, transcript.durationS).map((cue, id) => ({
      id,
      start: cue.startS,
      end: cue.endS,
      text: cue.text,
    })),
  };
}
