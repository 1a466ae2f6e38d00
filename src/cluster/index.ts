export { RemoteModels, type QueueCounts, type RemoteModelsOptions } from "./remote.js";
export { ClusterWorker, type ClusterWorkerOptions } from "./worker.js";
export { MODEL_KINDS, resolveKinds, type ModelKind } from "./kinds.js";
export type { WorkerHeartbeat } from "./registry.js";
