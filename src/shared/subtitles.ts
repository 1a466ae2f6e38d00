/**
 * Subtitles from timed transcript segments: SubRip (.srt, the bot's 🎬 button and the API)
 * and WebVTT (.vtt, the API), written from one list of cues so both agree on order and times.
 */

export interface TimedText {
  startS: number;
  endS: number;
  text: string;
}

/**
 * The cues in order of start time, each clamped to `[0, durationS]`; segments without text
 * or without time left inside the recording are left out.
 */
export function subtitleCues(segments: readonly TimedText[], durationS: number): TimedText[] {
  return [...segments]
    .map((segment) => ({
      startS: Math.min(Math.max(0, segment.startS), durationS),
      endS: Math.min(Math.max(0, segment.endS), durationS),
      text: segment.text.trim(),
    }))
    .filter((cue) => cue.text !== "" && cue.endS > cue.startS)
    .sort((a, b) => a.startS - b.startS || a.endS - b.endS);
}

/** "HH:MM:SS<separator>mmm". */
function clockTime(seconds: number, separator: "," | "."): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor(ms / 60_000) % 60;
  const secs = Math.floor(ms / 1000) % 60;
  return `${pad(hours)}:${pad(minutes)}:${pad(secs)}${separator}${pad(ms % 1000, 3)}`;
}

/** "HH:MM:SS,mmm", as SubRip writes times. */
export function srtTime(seconds: number): string {
  return clockTime(seconds, ",");
}

/** "HH:MM:SS.mmm", as WebVTT writes times. */
export function vttTime(seconds: number): string {
  return clockTime(seconds, ".");
}

/** SubRip: the cues numbered from 1. */
export function toSrt(segments: readonly TimedText[], durationS: number): string {
  return subtitleCues(segments, durationS)
    .map((cue, i) => `${i + 1}\n${srtTime(cue.startS)} --> ${srtTime(cue.endS)}\n${cue.text}\n`)
    .join("\n");
}

/** WebVTT: the "WEBVTT" header line, then the cues. */
export function toVtt(segments: readonly TimedText[], durationS: number): string {
  const cues = subtitleCues(segments, durationS).map(
    (cue) => `${vttTime(cue.startS)} --> ${vttTime(cue.endS)}\n${cue.text}\n`,
  );
  return ["WEBVTT\n", ...cues].join("\n");
}
