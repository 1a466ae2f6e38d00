/**
 * A loopback stand-in for the Hugging Face hub: serves model folders in the hub's URL layout
 * (`/<org>/<name>/resolve/<revision>/<path>`), honours `Range: bytes=N-`, and can cut chosen
 * files off midway once to exercise resumable downloads.
 */
import { readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

export interface HubRequest {
  path: string;
  range?: string;
}

export interface LoopbackHub {
  url: string;
  requests: HubRequest[];
  close(): Promise<void>;
}

export interface LoopbackHubOptions {
  /** Served model id → folder on disk. */
  models: Record<string, string>;
  /** Repository paths whose first response stops after half the body. */
  cutOnce?: string[];
  /** Answer Range requests with the whole file (200), as some mirrors do. */
  ignoreRange?: boolean;
}

export async function startLoopbackHub(options: LoopbackHubOptions): Promise<LoopbackHub> {
  const requests: HubRequest[] = [];
  const toCut = new Set(options.cutOnce ?? []);
  const server: Server = createServer((req: IncomingMessage, res) => {
    const url = decodeURIComponent(new URL(req.url ?? "/", "http://hub").pathname);
    const match = /^\/([^/]+\/[^/]+)\/resolve\/[^/]+\/(.+)$/.exec(url);
    const range = options.ignoreRange ? undefined : req.headers.range;
    const folder = match?.[1] ? options.models[match[1]] : undefined;
    const repoPath = match?.[2];
    const asked = req.headers.range;
    requests.push({ path: repoPath ?? url, ...(asked ? { range: asked } : {}) });
    let body: Buffer;
    try {
      if (!folder || !repoPath || !statSync(join(folder, repoPath)).isFile())
        throw new Error("absent");
      body = readFileSync(join(folder, repoPath));
    } catch {
      res.writeHead(404).end("Entry not found");
      return;
    }
    let start = 0;
    if (range) {
      start = Number(/^bytes=(\d+)-$/.exec(range)?.[1] ?? 0);
      if (start >= body.length) {
        res.writeHead(416, { "content-range": `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, {
        "content-length": body.length - start,
        "content-range": `bytes ${start}-${body.length - 1}/${body.length}`,
      });
    } else {
      res.writeHead(200, { "content-length": body.length });
    }
    if (toCut.delete(repoPath)) {
      // Send half, then drop the connection as a flaky network would.
      res.write(body.subarray(start, start + Math.floor((body.length - start) / 2)), () =>
        res.destroy(),
      );
      return;
    }
    res.end(body.subarray(start));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
