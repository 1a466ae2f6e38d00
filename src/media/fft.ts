/**
 * A mixed-radix fast Fourier transform of any length, planned once per length. Whisper's
 * frames are 400 samples (4 · 4 · 5 · 5), not a power of two, and the general-length
 * transform transformers.js falls back to there (Bluestein's, three power-of-two transforms
 * of 1024 points) is most of the ~160 ms its log-mel features of one 30 s window cost.
 * Split into its factors, a 400-point transform is ~22 complex multiply-adds per point.
 */

/** Radices tried in order: 4 first (fewest stages), then the primes. */
const PREFERRED_RADICES = [4, 2, 3, 5];

/** `n` as a product of radices, largest stages first (4s, then 2, 3, 5, then other primes). */
function factorize(n: number): number[] {
  const factors: number[] = [];
  let rest = n;
  for (const radix of PREFERRED_RADICES) {
    while (rest % radix === 0) {
      factors.push(radix);
      rest /= radix;
    }
  }
  for (let radix = 7; rest > 1; radix += 2) {
    while (rest % radix === 0) {
      factors.push(radix);
      rest /= radix;
    }
  }
  return factors;
}

/** The complex transform of one length: `X[k] = Σ x[t] · e^(−2πi·kt/n)`. */
export class Fft {
  readonly size: number;
  private readonly factors: number[];
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  /** Scratch for one butterfly's inputs (the largest radix). */
  private readonly scratchRe: Float64Array;
  private readonly scratchIm: Float64Array;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`FFT size ${size}`);
    this.size = size;
    this.factors = factorize(size);
    this.cos = new Float64Array(size);
    this.sin = new Float64Array(size);
    for (let k = 0; k < size; k++) {
      const angle = (-2 * Math.PI * k) / size;
      this.cos[k] = Math.cos(angle);
      this.sin[k] = Math.sin(angle);
    }
    const radix = Math.max(1, ...this.factors);
    this.scratchRe = new Float64Array(radix);
    this.scratchIm = new Float64Array(radix);
  }

  /**
   * Transforms `inRe` + i·`inIm` (length `size`; `inIm` omitted: a real signal) into
   * `outRe` + i·`outIm`. Inputs and outputs must be different arrays.
   */
  transform(
    inRe: Float64Array,
    inIm: Float64Array | undefined,
    outRe: Float64Array,
    outIm: Float64Array,
  ): void {
    this.stage(inRe, inIm, 0, 1, outRe, outIm, 0, 0);
  }

  /**
   * Decimation in time: the `size / stride`-point transform of the input taken every
   * `stride` samples from `inOffset` is written at `outOffset`, from the transforms of its
   * `radix` interleaved sub-sequences, combined by one butterfly per output group.
   */
  private stage(
    inRe: Float64Array,
    inIm: Float64Array | undefined,
    inOffset: number,
    stride: number,
    outRe: Float64Array,
    outIm: Float64Array,
    outOffset: number,
    level: number,
  ): void {
    const radix = this.factors[level] ?? 1;
    const m = this.size / stride / radix;
    if (m === 1) {
      for (let q = 0; q < radix; q++) {
        const at = inOffset + q * stride;
        outRe[outOffset + q] = inRe[at]!;
        outIm[outOffset + q] = inIm ? inIm[at]! : 0;
      }
    } else {
      for (let q = 0; q < radix; q++) {
        this.stage(
          inRe,
          inIm,
          inOffset + q * stride,
          stride * radix,
          outRe,
          outIm,
          outOffset + q * m,
          level + 1,
        );
      }
    }
    this.butterflies(outRe, outIm, outOffset, stride, radix, m);
  }

  /**
   * Combines `radix` transforms of `m` points (at `offset + q·m`) into one of `radix·m`:
   * output `u + k·m` is the radix-point DFT, over q, of sub-transform q's point u turned by
   * the twiddle `w^(q·u)`, where `w` is the combined length's root (`stride` steps of the
   * table).
   */
  private butterflies(
    re: Float64Array,
    im: Float64Array,
    offset: number,
    stride: number,
    radix: number,
    m: number,
  ): void {
    const { cos, sin, scratchRe, scratchIm } = this;
    // The root of the combined length `radix·m` is table step `stride`; of length `radix`,
    // step `stride·m`. Every index below stays under `size`: q·u·stride < radix·m·stride.
    const rootStep = stride * m;
    for (let u = 0; u < m; u++) {
      for (let q = 0, t = 0; q < radix; q++, t += u * stride) {
        const at = offset + u + q * m;
        const c = cos[t]!;
        const s = sin[t]!;
        const xr = re[at]!;
        const xi = im[at]!;
        scratchRe[q] = xr * c - xi * s;
        scratchIm[q] = xr * s + xi * c;
      }
      for (let k = 0; k < radix; k++) {
        let sumRe = scratchRe[0]!;
        let sumIm = scratchIm[0]!;
        for (let q = 1, qk = k; q < radix; q++, qk += k) {
          if (qk >= radix) qk -= radix;
          const t = qk * rootStep;
          const c = cos[t]!;
          const s = sin[t]!;
          const xr = scratchRe[q]!;
          const xi = scratchIm[q]!;
          sumRe += xr * c - xi * s;
          sumIm += xr * s + xi * c;
        }
        re[offset + u + k * m] = sumRe;
        im[offset + u + k * m] = sumIm;
      }
    }
  }
}
