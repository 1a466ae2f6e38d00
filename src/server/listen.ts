import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import type { Env, Hono } from "hono";

/** How long an idle keep-alive connection stays open (see {@link listen}). */
export const KEEP_ALIVE_MS = 65_000;

/** An HTTP server that is listening. */
export interface RunningServer {
  /** The port actually bound (the one asked for, or the one the OS picked for 0). */
  readonly port: number;
  /** Stops accepting connections, lets requests in progress finish. Idempotent. */
  close(): Promise<void>;
}

/** Serves `app` on `host:port`; rejects with a clear message when the port can't be bound. */
export async function listen<E extends Env>(
  app: Hono<E>,
  host: string,
  port: number,
): Promise<RunningServer> {
  // overrideGlobalObjects: false keeps Node's own Request/Response globals untouched for
  // the rest of the process (grammY, model downloads). autoCleanupIncoming: false leaves a
  // body refused unopened (a 401, a 415, a 413 by Content-Length: see body-limit.ts) to
  // Node, which reads and discards it (bounded by the server's requestTimeout): the
  // adapter's own clean-up cuts the connection after 500 ms, and a client still uploading
  // then gets a reset instead of the answer on a busy machine.
  const server = createAdaptorServer({
    fetch: app.fetch,
    overrideGlobalObjects: false,
    autoCleanupIncoming: false,
  }) as Server;
  // An idle keep-alive connection is kept longer than its clients and proxies keep theirs
  // (nginx and load balancers: 60 s; Node's default here is 5 s). Otherwise a client that
  // reuses one just as the server closes it gets ECONNRESET: measured with fetch in a busy
  // process, whose timers ran late, on every run of the API's bad-input test under load.
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  // Above the keep-alive time, so the headers timer never cuts a reused connection first.
  server.headersTimeout = KEEP_ALIVE_MS + 1_000;
  await new Promise<void>((resolve, reject) => {
    const fail = (error: Error) =>
      reject(new Error(`cannot listen on ${host}:${port}: ${error.message}`, { cause: error }));
    server.once("error", fail);
    server.listen(port, host, () => {
      server.off("error", fail);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    port: bound,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive connections would otherwise hold close() open until they time out.
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
