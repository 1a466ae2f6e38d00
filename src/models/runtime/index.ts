export { configureRuntime, hubFileUrl, DEFAULT_REMOTE_HOST } from "./environment.js";
export type { RuntimeOptions, RuntimeSettings } from "./environment.js";
export { ADD_GRAPH, detectCuda, probeCuda, runTinySession } from "./cuda.js";
export type { CudaProbe, CudaProbeEnvironment, TinySessionRunner } from "./cuda.js";
export {
  DTYPE_SUFFIX,
  TASK_LAYOUTS,
  modelFiles,
  onnxPath,
  onnxWeightBytes,
} from "./model-files.js";
export type { ModelConfigHints, ModelDtype, ModelFile, PipelineTask } from "./model-files.js";
export {
  cpuRetryDtype,
  createPipeline,
  errorLine,
  isMissingFileError,
  transformersPipelineFactory,
} from "./pipeline.js";
export type {
  CreatedPipeline,
  DisposablePipeline,
  PipelineFactory,
  PipelineRequest,
} from "./pipeline.js";
export {
  MEMORY_OVERHEAD_FACTOR,
  SESSION_OVERHEAD_BYTES,
  PULL_COMMAND,
  TransformersModel,
  createTransformersModel,
  estimateBytes,
} from "./transformers-model.js";
export type {
  TransformersModelOptions,
  TransformersModelSpec,
  TransformersModelSpecWithFallback,
} from "./transformers-model.js";
export { pullModels, verifyByLoading } from "./pull.js";
export type { PullEvent, PullFailure, PullOptions, PullReport, PullTarget } from "./pull.js";
export { float16BitsToNumber, toFloat32 } from "./tensor.js";
export type { NumericTensor } from "./tensor.js";
export { sessionThreads } from "./threads.js";
export type { SessionThreads, ThreadPlanInput } from "./threads.js";
export { NVIDIA_SMI_ARGS, gpuMemoryOfProcess, parseComputeApps } from "./gpu-memory.js";
export { checkModels, formatCheckTable } from "./check.js";
export type {
  CheckableModel,
  CheckOptions,
  CheckRow,
  CheckTarget,
  CheckVerdict,
  RequiredFile,
} from "./check.js";
