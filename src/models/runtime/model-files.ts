/**
 * Which files transformers.js 4.3.1 reads for a model, per pipeline task and dtype: the one
 * table that `models:pull` downloads from and `estimatedBytes` sizes from. It mirrors
 * transformers.js's own session table (src/models/session_config.js) and the config files its
 * tokenizer, processor and generation code ask for; tests/models/runtime-files.test.ts checks
 * it against `ModelRegistry.get_pipeline_files` on the fixtures.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/**
 * The transformers.js pipelines the app uses. transformers.js 4.3.1 has no
 * `image-text-to-text` pipeline: for that task the runtime loads the processor and the model
 * class itself (see pipeline.ts), under the name later versions give the pipeline.
 */
export type PipelineTask =
  | "automatic-speech-recognition"
  | "text-generation"
  | "text-to-speech"
  | "image-text-to-text"
  | "feature-extraction";

/** ONNX weight precisions the catalogue uses (transformers.js accepts a few more). */
export type ModelDtype = "fp32" | "fp16" | "q8" | "q4" | "q4f16";

/** The file-name suffix transformers.js appends to an ONNX session name for each dtype. */
export const DTYPE_SUFFIX: Readonly<Record<ModelDtype, string>> = Object.freeze({
  fp32: "",
  fp16: "_fp16",
  q8: "_quantized",
  q4: "_q4",
  q4f16: "_q4f16",
});

export interface ModelFile {
  /** Path inside the model repository, e.g. "onnx/model_q4f16.onnx". */
  path: string;
  /** Optional files are skipped when the hub has none (404); required ones fail the pull. */
  required: boolean;
}

interface TaskLayout {
  /** ONNX sessions, i.e. `onnx/<session><suffix>.onnx`. */
  sessions: readonly string[];
  /** JSON files read besides config.json. */
  files: readonly ModelFile[];
}

const TOKENIZER: readonly ModelFile[] = [
  { path: "tokenizer.json", required: true },
  { path: "tokenizer_config.json", required: true },
];

/**
 * Files per pipeline task: whisper (seq2seq), decoder-only LMs (qwen2/qwen3), VITS and
 * vision-language models (Qwen3.5 with its vision encoder; session_config.js,
 * `ImageTextToText.sessions`; the processor reads preprocessor_config.json). A chat
 * model exported as a vision-language model uses {@link TEXT_ONLY_VLM_SESSIONS} instead.
 */
export const TASK_LAYOUTS: Readonly<Record<PipelineTask, TaskLayout>> = Object.freeze({
  "automatic-speech-recognition": {
    sessions: ["encoder_model", "decoder_model_merged"],
    files: [
      ...TOKENIZER,
      { path: "preprocessor_config.json", required: true },
      { path: "generation_config.json", required: false },
    ],
  },
  "text-generation": {
    sessions: ["model"],
    files: [...TOKENIZER, { path: "generation_config.json", required: false }],
  },
  "text-to-speech": {
    sessions: ["model"],
    files: TOKENIZER,
  },
  // Encoder-only embedding models (BERT, XLM-R): one graph, its last hidden state pooled.
  "feature-extraction": {
    sessions: ["model"],
    files: TOKENIZER,
  },
  "image-text-to-text": {
    sessions: ["embed_tokens", "vision_encoder", "decoder_model_merged"],
    files: [
      ...TOKENIZER,
      { path: "preprocessor_config.json", required: true },
      // Shipped beside it; transformers.js 4.3.1's Qwen3VLProcessor does not read it.
      { path: "processor_config.json", required: false },
      { path: "generation_config.json", required: false },
    ],
  },
});

/**
 * Sessions transformers.js loads when `text-generation` (a `...ForCausalLM` class) opens a model
 * whose config.json names a `...ForConditionalGeneration` architecture, e.g. Qwen3.5: it runs
 * the vision-language model text-only, without `vision_encoder` (modeling_utils.js,
 * `resolveTypeConfig`; session_config.js, `ImageTextToText.text_only_sessions`).
 */
export const TEXT_ONLY_VLM_SESSIONS: readonly string[] = Object.freeze([
  "embed_tokens",
  "decoder_model_merged",
]);

/** The parts of a model's config.json that change the file list. */
export interface ModelConfigHints {
  architectures?: readonly string[];
  "transformers.js_config"?: {
    use_external_data_format?: boolean | number | Record<string, boolean | number>;
  };
}

/** `onnx/<session><suffix>.onnx` */
export function onnxPath(session: string, dtype: ModelDtype): string {
  return `onnx/${session}${DTYPE_SUFFIX[dtype]}.onnx`;
}

/** The ONNX sessions transformers.js opens for `task` on a model with this config.json. */
export function sessionsFor(task: PipelineTask, config: ModelConfigHints = {}): readonly string[] {
  const architecture = config.architectures?.[0] ?? "";
  if (task === "text-generation" && architecture.endsWith("ForConditionalGeneration")) {
    return TEXT_ONLY_VLM_SESSIONS;
  }
  return TASK_LAYOUTS[task].sessions;
}

/**
 * Number of external-data chunks (`<file>.onnx_data`, `_data_1`, ...) a session has, read the
 * way transformers.js's `resolveExternalDataFormat` reads it.
 */
function externalDataChunks(config: ModelConfigHints, session: string, dtype: ModelDtype): number {
  const setting = config["transformers.js_config"]?.use_external_data_format;
  if (!setting) return 0;
  if (typeof setting === "object") {
    const fullName = `${session}${DTYPE_SUFFIX[dtype]}.onnx`;
    return Number(setting[fullName] ?? setting[session] ?? 0);
  }
  return Number(setting);
}

/**
 * Every file transformers.js reads to build the pipeline for (task, dtype), config.json first.
 * External-data files are only known once config.json has been read; pass it when you have it.
 */
export function modelFiles(
  task: PipelineTask,
  dtype: ModelDtype,
  config: ModelConfigHints = {},
): ModelFile[] {
  const files: ModelFile[] = [{ path: "config.json", required: true }];
  for (const session of sessionsFor(task, config)) {
    const onnx = onnxPath(session, dtype);
    files.push({ path: onnx, required: true });
    const chunks = externalDataChunks(config, session, dtype);
    for (let i = 0; i < chunks; i++) {
      files.push({ path: `${onnx}_data${i === 0 ? "" : `_${i}`}`, required: true });
    }
  }
  files.push(...TASK_LAYOUTS[task].files);
  return files;
}

/**
 * Bytes of ONNX weights (graphs plus external data) the dtype selects, read from a model
 * folder; `undefined` when any session's graph is absent.
 */
export function onnxWeightBytes(
  modelDir: string,
  task: PipelineTask,
  dtype: ModelDtype,
): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync(join(modelDir, "onnx"));
  } catch {
    return undefined;
  }
  let total = 0;
  for (const session of sessionsFor(task, readConfigHints(modelDir))) {
    const graph = `${session}${DTYPE_SUFFIX[dtype]}.onnx`;
    if (!entries.includes(graph)) return undefined;
    for (const name of entries) {
      if (name === graph || isExternalDataOf(name, graph))
        total += statSync(join(modelDir, "onnx", name)).size;
    }
  }
  return total;
}

function readConfigHints(modelDir: string): ModelConfigHints {
  try {
    return JSON.parse(readFileSync(join(modelDir, "config.json"), "utf8")) as ModelConfigHints;
  } catch {
    return {};
  }
}

function isExternalDataOf(name: string, graph: string): boolean {
  return (
    name.startsWith(`${graph}_data`) && /^(_\d+)?$/.test(name.slice(graph.length + "_data".length))
  );
}
