/**
 * The API as the app serves it, in the test's process: the fixture models under the real
 * manager (MODEL_PROFILE=fixture, loaded through the real path), the core the bot would
 * share, and the API server on a loopback port the OS picks. Keys come from a Map: the real
 * store is another module's, and only the KeyVerifier interface matters here.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { KeyVerifier } from "../../src/api/auth.js";
import type { ApiCaller } from "../../src/api/env.js";
import { startApiServer } from "../../src/api/server.js";
import { apiServerOptions } from "../../src/app/api.js";
import { createCore, type Core } from "../../src/app/core.js";
import { loadConfig } from "../../src/config/index.js";
import { apiKeyOwner } from "../../src/jobs/index.js";
import { silentLogger } from "../../src/log/index.js";
import type { RunningServer } from "../../src/server/index.js";
import { systemClock } from "../../src/shared/clock.js";

export const TOKEN = "4242424242:API-test-token-0123456789abcdef";

/** Secrets of the test's keys: an admin, a plain key, and a revoked one. */
export const KEYS = { admin: "sk-admin-0123456789", user: "sk-user-0123456789", revoked: "sk-old" };

/** A KeyVerifier over a Map of secrets, as the key store answers. */
export function mapKeys(): KeyVerifier {
  const callers = new Map<string, ApiCaller>([
    [KEYS.admin, { name: "ops", admin: true, owner: apiKeyOwner("ops") }],
    [KEYS.user, { name: "scripts", admin: false, owner: apiKeyOwner("scripts") }],
  ]);
  return {
    check: (secret) => {
      if (secret === KEYS.revoked) return { ok: false, reason: "revoked" };
      const caller = callers.get(secret);
      return caller ? { ok: true, caller } : { ok: false, reason: "unknown" };
    },
    hasKeys: () => true,
  };
}

export interface ApiUnderTest {
  url: string;
  core: Core;
  close(): Promise<void>;
}

/** Starts the core over the fixture models and the API on 127.0.0.1, port 0. */
export async function startTestApi(
  env: Record<string, string> = {},
  keys: KeyVerifier = mapKeys(),
): Promise<ApiUnderTest> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "api-test-"));
  const config = loadConfig({
    BOT_TOKEN: TOKEN,
    MODEL_PROFILE: "fixture",
    DATA_DIR: dataDir,
    API_PORT: "1",
    ...env,
  });
  const logger = silentLogger();
  const core = createCore(config, { logger, clock: systemClock, startedAt: Date.now() });
  let server: RunningServer;
  try {
    server = await startApiServer({
      ...apiServerOptions(config, core, { logger, clock: systemClock }),
      keys,
      port: 0,
    });
  } catch (error) {
    await closeCore(core);
    throw error;
  }
  return {
    url: `http://127.0.0.1:${server.port}`,
    core,
    async close() {
      // The system clock's timers are unref'd (they never hold the bot's process open), so a
      // shutdown waiting on one alone would look like an empty event loop to the test
      // runner, which then cancels the suite: hold the loop open until it is done.
      const hold = setInterval(() => undefined, 60_000);
      try {
        await server.close();
        await closeCore(core);
      } finally {
        clearInterval(hold);
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function closeCore(core: Core): Promise<void> {
  await core.local?.manager.shutdown(0);
  core.tools.close();
  core.store.close();
}
