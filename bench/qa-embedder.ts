import type { PassageEmbedder } from "../src/services/qa/index.js";

/** The profile's embedding model for bench:qa, or undefined when it has none (full text alone). */
export function benchEmbedder(
  _profile: string | undefined,
): Promise<{ embedder: PassageEmbedder; note: string; close(): Promise<void> } | undefined> {
  return Promise.resolve(undefined);
}
