import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import https from "node:https";
import net from "node:net";
import { describe, it } from "node:test";
import type { Update } from "grammy/types";
import { pino } from "pino";
import { SECRET_HEADER, startWebhookServer } from "../../src/server/index.js";
import { deferred } from "../models/fake-model.js";
import { prepareNginx, SITE as text } from "./support/nginx.js";
import { missingTool, run, tempDir } from "./support/tools.js";

function toolsMissing(): string | undefined {
  return missingTool("nginx", ["-v"]) ?? missingTool("openssl", ["version"]);
}

describe("deploy/nginx/bot.conf", () => {
  it("passes `nginx -t` with a self-signed certificate in place of certbot's", async (t) => {
    const missing = toolsMissing();
    if (missing) return t.skip(missing);
    const { dir, remove } = tempDir("nginx-test-");
    t.after(remove);
    const { config } = await prepareNginx(dir);

    const result = await run("nginx", ["-t", "-p", dir, "-c", config, "-e", "stderr"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /syntax is ok/);
    assert.match(result.stderr, /test is successful/);
  });

  it("proxies only the webhook path, POST only, and serves nothing else", () => {
    const locations = [...text.matchAll(/^\s*location\s+([^{]+?)\s*\{/gm)].map((m) => m[1]);
    assert.deepEqual(locations, ["/.well-known/acme-challenge/", "/", "= /telegram/webhook", "/"]);
    assert.equal(text.match(/^\s*proxy_pass\b/gm)?.length, 1, "one proxied location");
    const webhook = text.slice(text.indexOf("location = /telegram/webhook"));
    assert.match(webhook, /limit_except POST/);
    assert.match(
      webhook.slice(0, webhook.indexOf("location /")),
      /proxy_pass http:\/\/local_ai_bot_webhook;/,
    );
    assert.doesNotMatch(text.replace(/#.*$/gm, ""), /metrics|9464/, "/metrics is never proxied");
  });

  it("carries Telegram's POST over TLS to the webhook server and nothing else", async (t) => {
    const missing = toolsMissing();
    if (missing) return t.skip(missing);
    const secret = "nginx-test-secret-0123456789";
    const handled = deferred<Update>();
    const webhook = await startWebhookServer({
      host: "127.0.0.1",
      port: 0,
      path: "/telegram/webhook",
      secret,
      handleUpdate: async (update) => handled.resolve(update),
      logger: pino({ level: "silent" }),
    });
    t.after(() => webhook.close());

    const [httpPort, tlsPort] = await freePorts(2);
    const { dir, remove } = tempDir("nginx-live-");
    t.after(remove);
    const { config, certificate } = await prepareNginx(dir, (site) =>
      site
        .replace(/^\s*listen \[::\].*$/gm, "") // IPv6 may be off in containers
        .replace("listen 80;", `listen 127.0.0.1:${httpPort};`)
        .replace("listen 443 ssl;", `listen 127.0.0.1:${tlsPort} ssl;`)
        .replace("server 127.0.0.1:8080;", `server 127.0.0.1:${webhook.port};`),
    );
    const nginx = spawn(
      "nginx",
      ["-p", dir, "-c", config, "-e", "stderr", "-g", "daemon off; master_process off;"],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    nginx.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise((resolve) => nginx.once("exit", resolve));
    t.after(async () => {
      nginx.kill("SIGTERM");
      await exited;
    });
    await waitForPort(tlsPort!, exited, () => stderr);

    const request = (
      method: string,
      path: string,
      headers: Record<string, string> = {},
      body?: string,
    ) =>
      new Promise<number>((resolve, reject) => {
        const req = https.request(
          {
            host: "127.0.0.1",
            port: tlsPort,
            servername: "bot.example.com",
            ca: certificate,
            method,
            path,
            headers,
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.once("error", reject);
        req.end(body);
      });
    const update = JSON.stringify({ update_id: 42, message: { text: "hi" } });
    const json = { "Content-Type": "application/json" };

    assert.equal(
      await request(
        "POST",
        "/telegram/webhook",
        { ...json, [SECRET_HEADER]: "wrong-secret-0123456789" },
        update,
      ),
      401,
    );
    assert.equal(
      await request("POST", "/telegram/webhook", { ...json, [SECRET_HEADER]: secret }, update),
      200,
    );
    assert.equal((await handled.promise).update_id, 42);
    assert.equal(await request("GET", "/telegram/webhook"), 403);
    assert.equal(await request("GET", "/metrics"), 404);
    assert.equal(await request("GET", "/health"), 404);
  });
});

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve) => {
          const server = net.createServer();
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** Resolves once `port` accepts connections; rejects if nginx exits first. */
async function waitForPort(
  port: number,
  exited: Promise<unknown>,
  log: () => string,
): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  // nginx signals nothing when it listens; poll the port, bounded by its exit or ~10 s.
  for (let attempt = 0; ; attempt++) {
    if (gone) throw new Error(`nginx exited: ${log()}`);
    if (attempt === 500) throw new Error(`nginx did not listen on ${port}: ${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => (socket.destroy(), resolve(true)));
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
