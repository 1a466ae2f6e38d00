import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import type { Env, Hono } from "hono";

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
