/**
 * Health endpoints shared by the ops and webhook servers: liveness (the process answers)
 * and readiness (its dependencies work), in the shape orchestrators and probes expect.
 */
import { Hono } from "hono";
import type { Logger } from "pino";

/** One dependency's state; `reason` says what is wrong when `ok` is false. */
export interface CheckResult {
  ok: boolean;
  reason?: string;
}

/** Names each dependency the bot needs ("database", "telegram") and its current state. */
export type ReadinessProbe = () =>
  Record<string, CheckResult> | Promise<Record<string, CheckResult>>;

/**
 * `GET /health` (and `/health/live`): 200 `{status:"ok"}` while the process answers.
 * `GET /health/ready` (or `/health?ready=1`): 200 `{status:"ready", checks}` when every
 * check passes, else 503 `{status:"unavailable", reasons, checks}`.
 */
export function healthRoutes(readiness: ReadinessProbe, logger: Logger): Hono {
  const app = new Hono();
  const ready = async () => {
    let checks: Record<string, CheckResult>;
    try {
      checks = await readiness();
    } catch (error) {
      logger.error({ err: error }, "readiness probe failed");
      checks = { probe: { ok: false, reason: `readiness probe failed: ${messageOf(error)}` } };
    }
    const reasons = Object.entries(checks)
      .filter(([, check]) => !check.ok)
      .map(([name, check]) => `${name}: ${check.reason ?? "not ok"}`);
    return reasons.length === 0
      ? { body: { status: "ready", checks }, code: 200 as const }
      : { body: { status: "unavailable", reasons, checks }, code: 503 as const };
  };
  const noStore = { "Cache-Control": "no-store" };
  const live = { body: { status: "ok" }, code: 200 as const };

  app.get("/health", async (c) => {
    const wantsReady = c.req.query("ready");
    const result = wantsReady && wantsReady !== "0" ? await ready() : live;
    return c.json(result.body, result.code, noStore);
  });
  app.get("/health/live", (c) => c.json(live.body, live.code, noStore));
  app.get("/health/ready", async (c) => {
    const result = await ready();
    return c.json(result.body, result.code, noStore);
  });
  return app;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
