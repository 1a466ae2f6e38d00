/**
 * What HTTP adds to a tiny chat request, for `bench:api`: `rounds` sequential
 * `/v1/chat/completions` requests (max_tokens 1, through the `openai` client) against the API
 * server, alternated with the same completion through `jobs.complete(...)` on a JobLayer of
 * this process (createCore over the same fixture models, on its own temporary DATA_DIR).
 * Both sides are warmed first (the chat model loaded, the first calls' JIT paid), and
 * alternating them shares the machine's conditions; the overhead is median(HTTP) minus
 * median(in-process).
 */
import { performance } from "node:perf_hooks";
import { createCore } from "../src/app/core.js";
import { loadConfig } from "../src/config/index.js";
import { apiKeyOwner } from "../src/jobs/index.js";
import { silentLogger } from "../src/log/index.js";
import { systemClock } from "../src/shared/clock.js";
import { removeDir, tempDir } from "../tests/e2e/harness.js";
import { apiClient } from "./api-clients.js";
import { percentile } from "./load-users.js";

const PROMPT = "Hi";
/** Calls each way before measuring: the HTTP side was warmed by the load run, this one was not. */
const WARM_UP = 50;

export interface Overhead {
  httpMs: number;
  inProcessMs: number;
  overheadMs: number;
}

export async function chatOverhead(
  target: { baseUrl: string; key: string; env: Record<string, string> },
  rounds: number,
): Promise<Overhead> {
  const dataDir = tempDir("api-inproc");
  const config = loadConfig({
    ...target.env,
    BOT_TOKEN: "4242424242:bench-api-token-0123456789abcdef",
    MODEL_PROFILE: "fixture",
    DATA_DIR: dataDir,
  });
  const core = createCore(config, {
    logger: silentLogger(),
    clock: systemClock,
    startedAt: Date.now(),
  });
  const client = apiClient(target.baseUrl, target.key);
  const owner = apiKeyOwner("bench-in-process");
  const overHttp = async () => {
    await client.chat.completions.create({
      model: "chat",
      messages: [{ role: "user", content: PROMPT }],
      max_tokens: 1,
    });
  };
  const inProcess = async () => {
    const reply = core.jobs.complete({
      owner,
      messages: [{ role: "user", text: PROMPT }],
      maxNewTokens: 1,
    });
    // As the route does for a plain (not streamed) answer.
    for await (const piece of reply.pieces) void piece;
    await reply.done;
  };
  const timed = async (call: () => Promise<void>) => {
    const start = performance.now();
    await call();
    return performance.now() - start;
  };
  try {
    for (let i = 0; i < WARM_UP; i++) {
      await overHttp();
      await inProcess();
    }
    const http: number[] = [];
    const local: number[] = [];
    for (let i = 0; i < rounds; i++) {
      // Alternate which goes first, so neither always follows the other.
      if (i % 2 === 0) {
        http.push(await timed(overHttp));
        local.push(await timed(inProcess));
      } else {
        local.push(await timed(inProcess));
        http.push(await timed(overHttp));
      }
    }
    const median = (values: number[]) =>
      percentile(
        [...values].sort((a, b) => a - b),
        50,
      );
    const httpMs = median(http);
    const inProcessMs = median(local);
    return { httpMs, inProcessMs, overheadMs: httpMs - inProcessMs };
  } finally {
    await core.local?.manager.shutdown(0);
    core.tools.close();
    core.store.close();
    removeDir(dataDir);
  }
}
