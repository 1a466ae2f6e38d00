/**
 * The Whisper feature thread's side (see whisper-features.ts): one {@link WhisperLogMel} per
 * extractor configuration, built from transformers.js's own extractor, which fills in the mel
 * filters a configuration leaves out and makes the window, so both compute from the same
 * numbers.
 */
import { isMainThread, parentPort } from "node:worker_threads";
import { WhisperFeatureExtractor } from "@huggingface/transformers";
import { WhisperLogMel, type LogMelConfig } from "./whisper-log-mel.js";
import type { FeatureReply, FeatureRequest } from "./whisper-features.js";

const extractors = new Map<string, WhisperLogMel>();

function extractorFor(key: string, config: object): WhisperLogMel {
  let extractor = extractors.get(key);
  if (!extractor) {
    const reference = new WhisperFeatureExtractor(config) as unknown as {
      config: LogMelConfig;
      window: Float64Array;
    };
    extractors.set(key, (extractor = new WhisperLogMel(reference.config, reference.window)));
  }
  return extractor;
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  port.on("message", ({ id, key, config, audio }: FeatureRequest) => {
    try {
      const { data, dims } = extractorFor(key, config).extract(audio);
      port.postMessage({ id, data, dims } satisfies FeatureReply, [data.buffer as ArrayBuffer]);
    } catch (error) {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      port.postMessage({ id, error: text } satisfies FeatureReply);
    }
  });
}
