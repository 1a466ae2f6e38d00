import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Hono } from "hono";
import { KEEP_ALIVE_MS, listen } from "../../src/server/listen.js";

describe("listen", () => {
  it("keeps idle connections longer than clients and proxies keep theirs, and says so", async () => {
    const app = new Hono();
    app.get("/", (c) => c.text("ok"));
    const server = await listen(app, "127.0.0.1", 0);
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/`);
      assert.equal(await response.text(), "ok");
      // Clients read the hint: fetch keeps a connection no longer than the server says.
      assert.equal(response.headers.get("keep-alive"), `timeout=${KEEP_ALIVE_MS / 1000}`);
      assert.ok(KEEP_ALIVE_MS > 60_000, "longer than nginx's and load balancers' 60 s");
    } finally {
      await server.close();
    }
  });
});
