/** SubRip (.srt) subtitles from timed transcript segments. */

export interface TimedText {
  startS: number;
  endS: number;
  text: string;
}

/** "HH:MM:SS,mmm", as SubRip writes times. */
export function srtTime(seconds: number): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor(ms / 60_000) % 60;
  const secs = Math.floor(ms / 1000) % 60;
  return `${pad(hours)}:${pad(minutes)}:${pad(secs)},${pad(ms % 1000, 3)}`;
}

/**
 * The cues, numbered from 1 in order of start time, each clamped to `[0, durationS]`;
 * segments without text or without time left inside the recording are left out.
 */
export function toSrt(segments: readonly TimedText[], durationS: number): string {
  const cues = [...segments]
    .map((segment) => ({
      start: Math.min(Math.max(0, segment.startS), durationS),
      end: Math.min(Math.max(0, segment.endS), durationS),
      text: segment.text.trim(),
    }))
    .filter((cue) => cue.text !== "" && cue.end > cue.start)
    .sort((a, b) => a.start - b.start || a.end - b.end);
  return cues
    .map((cue, i) => `${i + 1}\n${srtTime(cue.start)} --> ${srtTime(cue.end)}\n${cue.text}\n`)
    .join("\n");
}
