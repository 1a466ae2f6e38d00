/** The fixture Qwen behind a real model manager, with the pipeline calls recorded. */
import type { TextGenerationPipeline } from "@huggingface/transformers";
import { fixtureModelsDir, PROFILES } from "../../src/models/catalogue/index.js";
import {
  createChatModel,
  type ChatMessage,
  type ChatRequest,
  type ChatResult,
  type TokenCounter,
} from "../../src/models/adapters/chat-qwen.js";
import type { ModelHandle } from "../../src/models/contract.js";
import { ModelManager } from "../../src/models/manager/index.js";
import {
  configureRuntime,
  transformersPipelineFactory,
  type PipelineFactory,
} from "../../src/models/runtime/index.js";
import { ManualClock } from "../../src/shared/clock.js";
import { silent } from "./stub-chat.js";

export { QWEN_ANSWER } from "../../scripts/make-fixtures.js";

/** One call of the real pipeline, as the adapter made it. */
export interface PipelineCall {
  messages: ChatMessage[];
  options: Record<string, unknown>;
  /** The assistant content the pipeline returned. */
  output: string;
}

export interface FixtureChat {
  handle: ModelHandle<ChatRequest, ChatResult>;
  calls: PipelineCall[];
  /** The fixture's tokenizer, once loaded (for checking token budgets). */
  countTokens: TokenCounter;
  close(): Promise<void>;
}

/** The fixture Qwen's text-generation pipeline, without a manager. */
export async function fixtureChatPipeline(): Promise<TextGenerationPipeline> {
  configureRuntime({ modelsDir: fixtureModelsDir, allowRemoteModels: false, logger: silent });
  return (await transformersPipelineFactory({
    task: "text-generation",
    modelId: "fixture/qwen3_5",
    dtype: "fp32",
    device: "cpu",
  })) as TextGenerationPipeline;
}

/**
 * The fixture Qwen as the app runs it: adapter → runtime → transformers.js, under a model
 * manager. The pipeline is wrapped to record what the adapter really sent and got back.
 */
export async function fixtureChat(): Promise<FixtureChat> {
  const runtime = configureRuntime({
    modelsDir: fixtureModelsDir,
    allowRemoteModels: false,
    logger: silent,
  });
  const calls: PipelineCall[] = [];
  let tokenizer: TextGenerationPipeline["tokenizer"] | undefined;
  const spying: PipelineFactory = async (request) => {
    const pipe = (await transformersPipelineFactory(request)) as TextGenerationPipeline;
    tokenizer = pipe.tokenizer;
    return new Proxy(pipe, {
      apply: async (target, self, args: [ChatMessage[], Record<string, unknown>]) => {
        const output = (await Reflect.apply(target, self, args)) as {
          generated_text: ChatMessage[];
        }[];
        calls.push({
          messages: args[0].map((message) => ({ ...message })),
          options: args[1],
          output: output[0]?.generated_text.at(-1)?.content ?? "",
        });
        return output;
      },
    });
  };
  const model = createChatModel({
    spec: PROFILES.fixture.models.chat,
    runtime,
    logger: silent,
    pipelineFactory: spying,
  });
  const manager = new ModelManager({ budgetBytes: 1024 ** 3, clock: new ManualClock() });
  const handle = manager.register(model, { idleUnloadMs: 0 });
  return {
    handle,
    calls,
    countTokens: (text) => {
      if (!tokenizer) throw new Error("the fixture is not loaded yet");
      return tokenizer.encode(text, { add_special_tokens: false }).length;
    },
    close: () => manager.shutdown(1_000),
  };
}
