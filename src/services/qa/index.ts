export type {
  DocumentIndex,
  IndexOptions,
  IndexSource,
  Passage,
  PassagePlace,
  RetrievedPassage,
} from "./types.js";
export {
  cutPassages,
  cutSegments,
  cutText,
  PASSAGE_MAX_CHARS,
  PASSAGE_TARGET_CHARS,
} from "./cutting.js";
export { cosine, reciprocalRankFusion, RRF_K } from "./fusion.js";
export { ftsQuery, searchTerms } from "./query.js";
export { PassageIndex, type PassageEmbedder, type PassageIndexOptions } from "./passage-index.js";
export { EMBED_RETRY_MS, ModelEmbedder } from "./embedder.js";
