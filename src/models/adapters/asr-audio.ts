/**
 * Which samples an ASR window hears, and which window is the loudest: shared by the Whisper
 * adapter and the speech service, which hears a long recording in several jobs and must pick
 * the same window for language detection as one job over the whole recording would. Pure, no
 * model runtime, so a process without one (ROLE=bot) can use it.
 */
import type { AsrWindowRequest, SampleRange } from "./asr-whisper.js";

/** Mean square of the samples in a window's range (its pauses included). */
export function windowEnergy(samples: Float32Array, window: SampleRange): number {
  let sum = 0;
  for (let i = window.startSample; i < window.endSample; i++) sum += (samples[i] ?? 0) ** 2;
  return sum / Math.max(1, window.endSample - window.startSample);
}

/** The index of the loudest window (the first of equals); -1 for none. */
export function loudestWindow(samples: Float32Array, windows: readonly SampleRange[]): number {
  const energies = windows.map((window) => windowEnergy(samples, window));
  return energies.indexOf(Math.max(...energies));
}

/** The audio of one window: its pieces back to back, or the whole range. */
export function windowAudio(samples: Float32Array, window: AsrWindowRequest): Float32Array {
  if (!window.pieces) return samples.subarray(window.startSample, window.endSample);
  const length = window.pieces.reduce((sum, p) => sum + p.endSample - p.startSample, 0);
  const audio = new Float32Array(length);
  let at = 0;
  for (const piece of window.pieces) {
    audio.set(samples.subarray(piece.startSample, piece.endSample), at);
    at += piece.endSample - piece.startSample;
  }
  return audio;
}
