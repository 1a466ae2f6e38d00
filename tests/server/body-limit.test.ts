import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Hono } from "hono";
import { bodySizeLimit } from "../../src/server/body-limit.js";
import { listen, type RunningServer } from "../../src/server/listen.js";

const LIMIT = 2 * 2 ** 20;
const OVER = 3 * 2 ** 20;

/** A 3 MB body sent without a length: fetch streams it chunked. */
function streamedBody(bytes: number): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(2 ** 16).fill(120);
  let left = bytes;
  return new ReadableStream({
    pull(controller) {
      if (left <= 0) return controller.close();
      const piece = chunk.subarray(0, Math.min(chunk.length, left));
      left -= piece.length;
      controller.enqueue(piece);
    },
  });
}

describe("bodySizeLimit behind the Node server", () => {
  let server: RunningServer;
  let url: string;
  before(async () => {
    const app = new Hono();
    app.post(
      "/upload",
      bodySizeLimit(LIMIT, (c) => c.text("over 2 MB\n", 413)),
      async (c) => c.text(`got ${(await c.req.arrayBuffer()).byteLength}\n`),
    );
    server = await listen(app, "127.0.0.1", 0);
    url = `http://127.0.0.1:${server.port}/upload`;
  });
  after(() => server.close());

  const send = async (init: RequestInit) => {
    const response = await fetch(url, { method: "POST", ...init });
    return `${response.status} ${await response.text()}`;
  };

  it("answers uploads over the limit 413, on connections that go on serving", async () => {
    // fetch keeps connections alive and reuses them from one round to the next: a refused
    // upload left unread on one used to stall it, and the next upload on it got a reset.
    for (let round = 0; round < 6; round++) {
      const answers = await Promise.all([
        send({ body: new Uint8Array(OVER) }),
        send({ body: streamedBody(OVER), duplex: "half" } as RequestInit),
        send({ body: new Uint8Array(1000) }),
        send({ body: streamedBody(LIMIT), duplex: "half" } as RequestInit),
      ]);
      assert.deepEqual(
        answers,
        ["413 over 2 MB\n", "413 over 2 MB\n", "200 got 1000\n", `200 got ${LIMIT}\n`],
        `round ${round}`,
      );
    }
  });
});
