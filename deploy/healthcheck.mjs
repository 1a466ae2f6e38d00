/* global process, fetch, AbortSignal, console */
// Container health check: exits 0 when the bot's ops server answers GET /health/live with 200.
// Liveness only (not /health/ready): a bot that waits for Telegram at start, or lost it
// later, is retrying, not dead, and a restart would not bring Telegram back. The ops server
// listens before the bot first calls Telegram, so the Dockerfile's start period only needs
// to cover loading the code.
// Reads the same METRICS_HOST / METRICS_PORT the bot does; run with `node deploy/healthcheck.mjs`.
const port = Number(process.env.METRICS_PORT || 9464);
if (port === 0) {
  process.stdout.write("METRICS_PORT=0: the health server is disabled, nothing to check\n");
  process.exit(0);
}
const configured = process.env.METRICS_HOST || "127.0.0.1";
// A wildcard bind is reachable on loopback.
const host = ["0.0.0.0", "::", "[::]"].includes(configured) ? "127.0.0.1" : configured;
const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}/health/live`;
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(4000) });
  if (!response.ok) {
    console.error(`${url} answered ${response.status}`);
    process.exit(1);
  }
} catch (error) {
  console.error(`${url} did not answer: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}
