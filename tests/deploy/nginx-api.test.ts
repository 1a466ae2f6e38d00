/**
 * deploy/nginx/api.conf: valid for nginx, and in step with the API's limits: a body as
 * large as the largest upload passes, a request may wait out API_TIMEOUT, streams aren't
 * buffered.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config/index.js";
import { API_SITE, prepareNginx } from "./support/nginx.js";
import { missingTool, run, tempDir } from "./support/tools.js";

const config = loadConfig({ BOT_TOKEN: "4242424242:nginx-test-token-0123456789abcdef" });
const directive = (name: string) => new RegExp(`^\\s*${name}\\s+([^;]+);`, "m").exec(API_SITE)?.[1];

describe("deploy/nginx/api.conf", () => {
  it("passes `nginx -t` with a self-signed certificate in place of certbot's", async (t) => {
    const missing = missingTool("nginx", ["-v"]) ?? missingTool("openssl", ["version"]);
    if (missing) return t.skip(missing);
    const { dir, remove } = tempDir("nginx-api-test-");
    t.after(remove);
    const { config: file } = await prepareNginx(dir, undefined, API_SITE);
    const result = await run("nginx", ["-t", "-p", dir, "-c", file, "-e", "stderr"]);
    assert.equal(result.code, 0, result.stderr);
  });

  it("lets the largest upload through and waits out API_TIMEOUT; streams go out unbuffered", () => {
    const bodyMb = Number(/^(\d+)m$/.exec(directive("client_max_body_size") ?? "")?.[1]);
    const largest = Math.max(config.api.maxAudioBytes, config.api.maxDocumentBytes);
    assert.ok(bodyMb * 2 ** 20 > largest, "room for the largest upload and its framing");
    for (const timeout of ["proxy_read_timeout", "proxy_send_timeout"]) {
      const seconds = Number(/^(\d+)s$/.exec(directive(timeout) ?? "")?.[1]);
      assert.ok(seconds * 1000 > config.api.timeoutMs, `${timeout} outlasts API_TIMEOUT`);
    }
    assert.equal(directive("proxy_buffering"), "off");
  });
});
