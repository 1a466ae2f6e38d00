/** The decoding loop on the fixture Qwen, against transformers.js's own generate(). */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Tensor, TextGenerationPipeline } from "@huggingface/transformers";
import { decode, type DecodeRequest } from "../../src/models/adapters/decode.js";
import { isAppError } from "../../src/shared/errors.js";
import { fixtureChatPipeline, QWEN_ANSWER } from "./fixture-chat.js";

describe("decode with the fixture Qwen", () => {
  let pipe: TextGenerationPipeline;
  let inputs: { input_ids: Tensor; attention_mask: Tensor };
  before(async () => {
    pipe = await fixtureChatPipeline();
    const options = { tokenize: false, add_generation_prompt: true, enable_thinking: false };
    const prompt = pipe.tokenizer.apply_chat_template(
      [{ role: "user", content: "Hi" }],
      options,
    ) as string;
    inputs = pipe.tokenizer(prompt, { add_special_tokens: false }) as typeof inputs;
  });
  after(() => pipe.dispose());

  const run = (request: Partial<DecodeRequest> = {}) =>
    decode(pipe.model, {
      inputs,
      maxNewTokens: 24,
      signal: new AbortController().signal,
      ...request,
    });
  const text = (tokens: readonly bigint[]) =>
    pipe.tokenizer.decode(tokens.map(Number), { skip_special_tokens: true });

  /** What transformers.js's greedy generate() makes of the same prompt. */
  async function generated(options: Record<string, unknown>): Promise<bigint[]> {
    const output = (await pipe.model.generate({
      ...inputs,
      max_new_tokens: 24,
      do_sample: false,
      ...options,
    } as Parameters<typeof pipe.model.generate>[0])) as Tensor;
    return (output.tolist() as bigint[][])[0]!.slice(Number(inputs.input_ids.dims.at(-1)));
  }

  it("decodes greedily token for token as generate() does, the model's own rules applied", async () => {
    const greedy = await run();
    assert.equal(text(greedy), QWEN_ANSWER);
    assert.deepEqual(greedy, await generated({}));
    assert.deepEqual(
      await run({ repetitionPenalty: 1.3 }),
      await generated({ repetition_penalty: 1.3 }),
    );
    // A generation config that suppresses the answer's first token changes the answer the
    // same way in both: transformers.js's logits processors still run.
    const config = pipe.model.generation_config as { suppress_tokens?: number[] | null };
    config.suppress_tokens = [Number(greedy[0])];
    try {
      const suppressed = await run();
      assert.notDeepEqual(suppressed, greedy);
      assert.deepEqual(suppressed, await generated({}));
    } finally {
      config.suppress_tokens = null;
    }
  });

  it("draws each token with the sampling settings", async () => {
    const likeliest = await run({
      sampling: { temperature: 1, topP: 1, topK: 1 },
      random: () => 0.999,
    });
    assert.equal(text(likeliest), QWEN_ANSWER);
    // The fixture puts a logit of 10 on its next token: at temperature 10 the second likeliest
    // gets about a quarter, and a draw at the top of the range lands on it.
    const second = await run({
      sampling: { temperature: 10, topP: 1, topK: 2 },
      random: () => 0.999,
    });
    assert.notEqual(text(second), QWEN_ANSWER);
  });

  it("stops at the token limit", async () => {
    const all = await run();
    const cut = await run({ maxNewTokens: 3 });
    assert.deepEqual(cut, all.slice(0, 3));
  });

  it("stops at the next token once the signal aborts, and says it was cancelled", async () => {
    const controller = new AbortController();
    let forwardPasses = 0;
    const forward = pipe.model.forward.bind(pipe.model);
    pipe.model.forward = async (...args: Parameters<typeof forward>) => {
      forwardPasses += 1;
      if (forwardPasses === 2) controller.abort();
      return forward(...args);
    };
    try {
      await assert.rejects(
        run({ signal: controller.signal }),
        (error) => isAppError(error) && error.code === "job.cancelled",
      );
    } finally {
      pipe.model.forward = forward;
    }
    assert.equal(forwardPasses, 2);
    const aborted = new AbortController();
    aborted.abort();
    await assert.rejects(run({ signal: aborted.signal }), (error) => isAppError(error));
  });
});
