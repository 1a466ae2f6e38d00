/** Shared helpers for the chat tests: the fixture Qwen behind a real manager, and a stub handle. */
import type { TextGenerationPipeline } from "@huggingface/transformers";
import { pino } from "pino";
import { fixtureModelsDir } from "../../src/models/catalogue/index.js";
import {
  createChatModel,
  type ChatMessage,
  type ChatRequest,
  type ChatResult,
  type TokenCounter,
} from "../../src/models/adapters/chat-qwen.js";
import type { ModelHandle, RunOptions } from "../../src/models/contract.js";
import { ModelManager } from "../../src/models/manager/index.js";
import {
  configureRuntime,
  transformersPipelineFactory,
  type PipelineFactory,
} from "../../src/models/runtime/index.js";
import { ManualClock } from "../../src/shared/clock.js";
import { cancelledError } from "../../src/shared/errors.js";

export { QWEN_ANSWER } from "../../scripts/make-fixtures.js";

export const silent = pino({ level: "silent" });

export const SETTINGS = {
  maxNewTokens: 64,
  temperature: 0.7,
  topP: 0.9,
  repetitionPenalty: 1.1,
  historyTokens: 2048,
} as const;

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
    spec: {
      modelId: "fixture/qwen2",
      pipelineTask: "text-generation",
      dtype: "fp32",
      device: "cpu",
      memoryBytes: 16 * 1024 ** 2,
    },
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

/** Counts one token per character: predictable budgets for logic tests. */
export const charCounter: TokenCounter = (text) => text.length;

export interface StubCall {
  messages: readonly ChatMessage[];
  request: ChatRequest;
  signal: AbortSignal | undefined;
}

/**
 * A chat handle whose "model" streams the pieces `respond` returns for the messages, one per
 * macrotask, honouring the abort signal like the real adapter.
 */
export function stubChat(respond: (messages: readonly ChatMessage[]) => string[]): {
  handle: ModelHandle<ChatRequest, ChatResult>;
  calls: StubCall[];
} {
  const calls: StubCall[] = [];
  const handle: ModelHandle<ChatRequest, ChatResult> = {
    id: "stub-chat",
    async run(request: ChatRequest, options: RunOptions = {}): Promise<ChatResult> {
      const { signal } = options;
      const messages =
        typeof request.messages === "function" ? request.messages(charCounter) : request.messages;
      calls.push({ messages, request, signal });
      let text = "";
      for (const piece of respond(messages)) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (signal?.aborted) throw cancelledError(signal.reason);
        text += piece;
        request.onText?.(piece);
      }
      return {
        text,
        generatedTokens: text.length,
        promptTokens: messages.reduce((sum, message) => sum + message.content.length, 0),
        truncated: false,
      };
    },
  };
  return { handle, calls };
}
