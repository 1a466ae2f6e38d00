/**
 * Reading model outputs as numbers. ONNX Runtime hands a float16 tensor's data over as a
 * Uint16Array of raw half-precision bits (Node 20 has no Float16Array), so code that reads
 * `tensor.data` as a Float32Array compares bit patterns, not values: for logits, the least
 * likely token can win. Every read of logits goes through {@link toFloat32}.
 */

/** The part of a transformers.js or onnxruntime tensor this module reads. */
export interface NumericTensor {
  type: string;
  data: ArrayLike<number | bigint>;
}

/** The value of one IEEE 754 half-precision number given as its 16 bits. */
export function float16BitsToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // zero and subnormals
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** The tensor's values as float32, whatever floating or integer type the model returned. */
export function toFloat32(tensor: NumericTensor): Float32Array {
  const { type, data } = tensor;
  if (type === "float32" && data instanceof Float32Array) return data;
  if (type === "float16") {
    if (!(data instanceof Uint16Array)) {
      // A runtime with a native Float16Array hands over values, not bits.
      return Float32Array.from(data as ArrayLike<number>);
    }
    const out = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = float16BitsToNumber(data[i] as number);
    return out;
  }
  if (type === "bool" || type === "string") {
    throw new TypeError(`toFloat32: a ${type} tensor has no numeric values`);
  }
  return Float32Array.from(data as ArrayLike<number | bigint>, Number);
}
