export { pullTargets } from "./pull-targets.js";
export {
  CATALOGUE_TASKS,
  PROFILES,
  PROFILE_CHOICES,
  fixtureModelsDir,
  parseProfileChoice,
  resolveProfile,
} from "./profiles.js";
export type {
  CatalogueTask,
  ModelEntry,
  ModelOverrides,
  OcrEntry,
  Profile,
  ProfileChoice,
  ProfileName,
  ResolvedProfile,
  TaskOverride,
  TtsFallbackEngine,
  VadEntry,
} from "./profiles.js";
