import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { missingTool, REPO, run, tempDir } from "./support/tools.js";

const CONFIG = path.join(REPO, "deploy/nginx/bot.conf");
const text = fs.readFileSync(CONFIG, "utf8");

describe("deploy/nginx/bot.conf", () => {
  it("passes `nginx -t` with a self-signed certificate in place of certbot's", async (t) => {
    const nginx = missingTool("nginx", ["-v"]);
    const openssl = missingTool("openssl", ["version"]);
    if (nginx || openssl) return t.skip(nginx ?? openssl);

    const { dir, remove } = tempDir("nginx-test-");
    t.after(remove);
    const made = await run("openssl", [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=bot.example.com",
      "-keyout",
      path.join(dir, "privkey.pem"),
      "-out",
      path.join(dir, "fullchain.pem"),
    ]);
    assert.equal(made.code, 0, made.stderr);

    const site = text.replaceAll("/etc/letsencrypt/live/bot.example.com/", `${dir}/`);
    assert.notEqual(site, text, "the certificate paths were found and replaced");
    fs.writeFileSync(path.join(dir, "bot.conf"), site);
    const temp = (name: string) => path.join(dir, name);
    fs.writeFileSync(
      temp("nginx.conf"),
      [
        `pid ${temp("nginx.pid")};`,
        `error_log ${temp("error.log")};`,
        "events {}",
        "http {",
        `  access_log ${temp("access.log")};`,
        ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map(
          (kind) => `  ${kind}_temp_path ${temp(kind)};`,
        ),
        `  include ${temp("bot.conf")};`,
        "}",
        "",
      ].join("\n"),
    );

    const result = await run("nginx", ["-t", "-p", dir, "-c", temp("nginx.conf"), "-e", "stderr"]);
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
});
