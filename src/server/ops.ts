/**
 * The operations server: health for probes and Prometheus metrics for scraping. It runs
 * in polling and webhook mode alike, bound to loopback unless configured otherwise,
 * because /metrics must not be public.
 */
import { Hono } from "hono";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { healthRoutes, type ReadinessProbe } from "./health.js";
import { listen, type RunningServer } from "./listen.js";

export interface OpsServerOptions {
  host: string;
  /** 0 picks a free port (tests); the app skips the server when METRICS_PORT=0. */
  port: number;
  readiness: ReadinessProbe;
  registry: Registry;
  logger: Logger;
}

/** Builds the ops routes: `/health`, `/health/live`, `/health/ready` and `/metrics`. */
export function opsApp(options: Omit<OpsServerOptions, "host" | "port">): Hono {
  const { registry, logger } = options;
  const app = new Hono();
  app.route("/", healthRoutes(options.readiness, logger));
  app.get("/metrics", async (c) => {
    try {
      const body = await registry.metrics();
      return c.body(body, 200, { "Content-Type": registry.contentType });
    } catch (error) {
      logger.error({ err: error }, "collecting metrics failed");
      return c.text("collecting metrics failed\n", 500);
    }
  });
  return app;
}

/** Starts the ops server; resolves once it listens. */
export async function startOpsServer(options: OpsServerOptions): Promise<RunningServer> {
  const server = await listen(opsApp(options), options.host, options.port);
  options.logger.info(
    { host: options.host, port: server.port },
    "health and metrics server listening",
  );
  return server;
}
