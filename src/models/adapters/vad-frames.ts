/**
 * The Silero VAD's frame, without the runtime: callers that cut a recording into pieces
 * (whole frames each) need it without loading ONNX Runtime.
 */

/** The only rate the VAD is run at (Whisper's). */
export const VAD_SAMPLE_RATE = 16_000;
/** Samples per frame at 16 kHz: 32 ms. */
export const VAD_FRAME_SAMPLES = 512;
