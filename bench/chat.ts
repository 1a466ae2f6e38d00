/**
 * Chat latency: time to first visible piece and decode speed, through the same path the bot
 * uses (ChatService → model manager → Qwen adapter → transformers.js).
 *
 *   npm run bench:chat                                     # the fixture Qwen
 *   MODELS_DIR=data/models CHAT_MODEL=onnx-community/Qwen3.5-0.8B-ONNX CHAT_DTYPE=q4 npm run bench:chat
 *
 * Env: CHAT_MODEL, MODELS_DIR, CHAT_DTYPE (default q8), CHAT_DEVICE (default cpu),
 * BENCH_RUNS (default 5), BENCH_MAX_NEW_TOKENS (default 128). The last line is a summary.
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { Store } from "../src/memory/index.js";
import { createChatModel } from "../src/models/adapters/chat-qwen.js";
import { fixtureModelsDir, PROFILES } from "../src/models/catalogue/index.js";
import { ModelManager } from "../src/models/manager/index.js";
import {
  configureRuntime,
  DTYPE_SUFFIX,
  sessionThreads,
  type ModelDtype,
  type TransformersModelSpec,
} from "../src/models/runtime/index.js";
import { systemClock } from "../src/shared/clock.js";
import { ChatService } from "../src/services/chat/index.js";

const logger = pino({ level: "error" });
const runs = Number(process.env.BENCH_RUNS ?? 5);
const maxNewTokens = Number(process.env.BENCH_MAX_NEW_TOKENS ?? 128);

function chooseModel(): { modelsDir: string; spec: TransformersModelSpec } {
  const { MODELS_DIR, CHAT_MODEL, CHAT_DTYPE = "q8", CHAT_DEVICE = "cpu" } = process.env;
  if (MODELS_DIR && CHAT_MODEL && existsSync(join(MODELS_DIR, CHAT_MODEL, "config.json"))) {
    if (!(CHAT_DTYPE in DTYPE_SUFFIX)) throw new Error(`unknown CHAT_DTYPE ${CHAT_DTYPE}`);
    if (CHAT_DEVICE !== "cpu" && CHAT_DEVICE !== "cuda")
      throw new Error("CHAT_DEVICE: cpu or cuda");
    return {
      modelsDir: MODELS_DIR,
      spec: {
        modelId: CHAT_MODEL,
        pipelineTask: "text-generation",
        dtype: CHAT_DTYPE as ModelDtype,
        device: CHAT_DEVICE,
        memoryBytes: 2 * 1024 ** 3,
      },
    };
  }
  if (CHAT_MODEL)
    console.log(
      `${CHAT_MODEL} not found in ${MODELS_DIR ?? "(MODELS_DIR unset)"}; using the fixture`,
    );
  return {
    modelsDir: fixtureModelsDir,
    spec: PROFILES.fixture.models.chat,
  };
}

const { modelsDir, spec } = chooseModel();
// The threads the bot gives a model on its main thread (src/app/models.ts, profileThreads).
const threads = sessionThreads({ cores: availableParallelism(), modelsAtOnce: 1 });
const runtime = configureRuntime({ modelsDir, allowRemoteModels: false, threads, logger });
const manager = new ModelManager({ budgetBytes: 64 * 1024 ** 3, clock: systemClock, logger });
const handle = manager.register(createChatModel({ spec, runtime, logger }), { idleUnloadMs: 0 });
const store = Store.open(":memory:");
const chat = new ChatService({
  model: handle,
  history: store.history,
  settings: { maxNewTokens, temperature: 0, topP: 1, repetitionPenalty: 1.1, historyTokens: 2048 },
  logger,
});

console.log(
  `model=${spec.modelId} dtype=${spec.dtype} device=${spec.device} max_new_tokens=${maxNewTokens} ` +
    `threads=${threads.intraOpNumThreads}`,
);
const loadStart = performance.now();
await manager.preload([handle.id]);
console.log(`load_ms=${(performance.now() - loadStart).toFixed(0)}`);

const ttfts: number[] = [];
const rates: number[] = [];
for (let run = 0; run <= runs; run++) {
  const started = performance.now();
  let first: number | undefined;
  const reply = chat.reply({
    chatId: 1,
    userId: run,
    text: "Briefly: what is a memory budget?",
    kind: "text",
  });
  for await (const _ of reply.pieces) first ??= performance.now();
  const outcome = await reply.done;
  const ended = performance.now();
  const ttft = (first ?? ended) - started;
  // Decode rate after the first piece: the prompt's prefill is in the TTFT.
  const rate = (outcome.tokens - 1) / Math.max(1e-3, (ended - (first ?? started)) / 1000);
  const label = run === 0 ? "warm-up" : `run ${run}`;
  console.log(
    `${label}: ttft_ms=${ttft.toFixed(1)} tokens=${outcome.tokens} prompt_tokens=${outcome.promptTokens} ` +
      `total_ms=${(ended - started).toFixed(1)} tokens_per_s=${rate.toFixed(1)}`,
  );
  if (run > 0) {
    ttfts.push(ttft);
    rates.push(rate);
  }
}
await manager.shutdown(1_000);
store.close();

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
console.log(
  `chat: model=${spec.modelId} ttft_ms=${median(ttfts).toFixed(1)} tokens_per_s=${median(rates).toFixed(1)}`,
);
