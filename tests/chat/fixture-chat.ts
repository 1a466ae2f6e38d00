/** The fixture Qwen behind a real model manager, with its generations recorded. */
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

/** One generation of the real model, as the adapter asked for it. */
export interface PipelineCall {
  /** The conversation the prompt was rendered from. */
  messages: ChatMessage[];
  /** The settings given to transformers.js's generation config (`max_new_tokens`...). */
  options: Record<string, unknown>;
  /** The tokens generated, decoded without special tokens. */
  output: string;
  /** The ids of the tokens generated. */
  tokens: number[];
}

/** The two steps of transformers.js's generation that the recording wraps. */
interface ModelInternals {
  _prepare_generation_config(config: unknown, kwargs: Record<string, unknown>): unknown;
  _update_model_kwargs_for_generation(args: { generated_input_ids: bigint[][] }): unknown;
}

export interface FixtureChat {
  handle: ModelHandle<ChatRequest, ChatResult>;
  /** The requests the handle was given, in order. */
  requests: ChatRequest[];
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
 * manager. The model is wrapped to record what the adapter really asked for and what came
 * back.
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
    const loaded = pipe.tokenizer;
    tokenizer = loaded;
    let rendered: ChatMessage[] = [];
    const render = loaded.apply_chat_template.bind(loaded);
    loaded.apply_chat_template = ((...args: Parameters<typeof render>) => {
      rendered = (args[0] as ChatMessage[]).map(({ role, content }) => ({ role, content }));
      return render(...args);
    }) as typeof render;
    // What the decoding loop asked of the model: its generation settings once per answer,
    // then one cache update per token generated.
    const model = pipe.model as unknown as ModelInternals;
    const configure = model._prepare_generation_config.bind(model);
    model._prepare_generation_config = (config, kwargs) => {
      calls.push({ messages: rendered, options: { ...kwargs }, output: "", tokens: [] });
      return configure(config, kwargs);
    };
    const update = model._update_model_kwargs_for_generation.bind(model);
    model._update_model_kwargs_for_generation = (args) => {
      const call = calls.at(-1)!;
      call.tokens.push(...args.generated_input_ids.flat().map(Number));
      call.output = loaded.decode(call.tokens, { skip_special_tokens: true });
      return update(args);
    };
    return pipe;
  };
  const model = createChatModel({
    spec: PROFILES.fixture.models.chat,
    runtime,
    logger: silent,
    pipelineFactory: spying,
  });
  const manager = new ModelManager({ budgetBytes: 1024 ** 3, clock: new ManualClock() });
  const registered = manager.register(model, { idleUnloadMs: 0 });
  const requests: ChatRequest[] = [];
  const handle: ModelHandle<ChatRequest, ChatResult> = {
    id: registered.id,
    run: (request, options) => {
      requests.push(request);
      return registered.run(request, options);
    },
  };
  return {
    handle,
    requests,
    calls,
    countTokens: (text) => {
      if (!tokenizer) throw new Error("the fixture is not loaded yet");
      return tokenizer.encode(text, { add_special_tokens: false }).length;
    },
    close: () => manager.shutdown(1_000),
  };
}
