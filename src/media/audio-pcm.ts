/**
 * Mono PCM as Float32 samples and the few operations speech needs on it: silence,
 * concatenation, resampling, a silence test and reading WAV files written by tools.
 */

/** Mono audio: samples in [-1, 1] at `sampleRate` Hz. */
export interface Pcm {
  samples: Float32Array;
  sampleRate: number;
}

/** Duration of `pcm` in seconds. */
export function pcmDurationS(pcm: Pcm): number {
  return pcm.samples.length / pcm.sampleRate;
}

/** `ms` milliseconds of silence at `sampleRate`. */
export function silence(ms: number, sampleRate: number): Pcm {
  return { samples: new Float32Array(Math.round((ms * sampleRate) / 1000)), sampleRate };
}

/** Joins clips that share one sample rate. */
export function concatPcm(parts: readonly Pcm[], sampleRate: number): Pcm {
  for (const part of parts) {
    if (part.sampleRate !== sampleRate) {
      throw new Error(`concatPcm: expected ${sampleRate} Hz, got ${part.sampleRate} Hz`);
    }
  }
  return { samples: concatFloats(parts.map((part) => part.samples)), sampleRate };
}

/** The arrays one after another in one array. */
export function concatFloats(parts: readonly Float32Array[]): Float32Array {
  const joined = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

/** Peak absolute sample value below which audio counts as silence (-60 dBFS). */
export const SILENCE_PEAK = 1e-3;

/** True when no sample reaches {@link SILENCE_PEAK}. */
export function isSilent(samples: Float32Array): boolean {
  for (const sample of samples) if (Math.abs(sample) >= SILENCE_PEAK) return false;
  return true;
}

/** Half-width, in input samples at the lower of the two rates, of the resampling kernel. */
const KERNEL_HALF_WIDTH = 16;

/**
 * Band-limited resampling with a Hann-windowed sinc kernel. Used to bring voices of
 * different engines (VITS 16 kHz, espeak-ng 22.05 kHz) to one rate before they are
 * concatenated; the cutoff follows the lower rate, so downsampling doesn't alias and
 * upsampling doesn't image. The output has `round(n * to / from)` samples.
 */
export function resample(pcm: Pcm, targetRate: number): Pcm {
  if (pcm.sampleRate === targetRate) return pcm;
  const ratio = targetRate / pcm.sampleRate;
  const input = pcm.samples;
  const output = new Float32Array(Math.round(input.length * ratio));
  // Cutoff as a fraction of the input Nyquist; the kernel widens when downsampling.
  const cutoff = Math.min(1, ratio);
  const halfWidth = KERNEL_HALF_WIDTH / cutoff;
  for (let i = 0; i < output.length; i++) {
    const center = i / ratio;
    const first = Math.max(0, Math.ceil(center - halfWidth));
    const last = Math.min(input.length - 1, Math.floor(center + halfWidth));
    let sum = 0;
    for (let j = first; j <= last; j++) {
      const x = j - center;
      const window = 0.5 + 0.5 * Math.cos((Math.PI * x) / halfWidth);
      const arg = Math.PI * x * cutoff;
      const sinc = arg === 0 ? 1 : Math.sin(arg) / arg;
      sum += (input[j] ?? 0) * cutoff * sinc * window;
    }
    output[i] = sum;
  }
  return { samples: output, sampleRate: targetRate };
}

/**
 * Reads a mono or multi-channel 16-bit PCM or 32-bit float WAV (as espeak-ng writes) into
 * mono PCM (channels averaged). Returns undefined for anything else. Tolerates the
 * 0xFFFFFFFF sizes that tools write when streaming to stdout.
 */
export function parseWav(bytes: Buffer): Pcm | undefined {
  if (
    bytes.length < 12 ||
    bytes.toString("ascii", 0, 4) !== "RIFF" ||
    bytes.toString("ascii", 8, 12) !== "WAVE"
  ) {
    return undefined;
  }
  let offset = 12;
  let format: { tag: number; channels: number; sampleRate: number; bits: number } | undefined;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString("ascii", offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === "fmt ") {
      format = {
        tag: bytes.readUInt16LE(body),
        channels: bytes.readUInt16LE(body + 2),
        sampleRate: bytes.readUInt32LE(body + 4),
        bits: bytes.readUInt16LE(body + 14),
      };
    } else if (id === "data" && format) {
      const end = Math.min(
        bytes.length,
        size === 0xffffffff || size === 0 ? bytes.length : body + size,
      );
      return decodeWavData(bytes.subarray(body, end), format);
    }
    offset = body + size + (size % 2);
  }
  return undefined;
}

function decodeWavData(
  data: Buffer,
  format: { tag: number; channels: number; sampleRate: number; bits: number },
): Pcm | undefined {
  const { tag, channels, sampleRate, bits } = format;
  const isInt16 = tag === 1 && bits === 16;
  const isFloat32 = tag === 3 && bits === 32;
  if ((!isInt16 && !isFloat32) || channels < 1) return undefined;
  const frameBytes = (bits / 8) * channels;
  const frames = Math.floor(data.length / frameBytes);
  const samples = new Float32Array(frames);
  for (let frame = 0; frame < frames; frame++) {
    let sum = 0;
    for (let channel = 0; channel < channels; channel++) {
      const at = frame * frameBytes + (channel * bits) / 8;
      sum += isInt16 ? data.readInt16LE(at) / 32768 : data.readFloatLE(at);
    }
    samples[frame] = sum / channels;
  }
  return { samples, sampleRate };
}
