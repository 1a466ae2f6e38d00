/** Prepares deploy/nginx/bot.conf (or api.conf) to run unprivileged in a temporary prefix. */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { REPO, run } from "./tools.js";

export const SITE = fs.readFileSync(path.join(REPO, "deploy/nginx/bot.conf"), "utf8");
export const API_SITE = fs.readFileSync(path.join(REPO, "deploy/nginx/api.conf"), "utf8");

/**
 * Writes a self-signed certificate for bot.example.com, the site with certbot's paths
 * pointed at it (plus `edit` applied), and a top-level nginx.conf that includes it, all
 * under `dir`. Returns the nginx.conf path.
 */
export async function prepareNginx(
  dir: string,
  edit: (site: string) => string = (s) => s,
  original: string = SITE,
) {
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
    "-addext",
    "subjectAltName=DNS:bot.example.com",
    "-keyout",
    path.join(dir, "privkey.pem"),
    "-out",
    path.join(dir, "fullchain.pem"),
  ]);
  assert.equal(made.code, 0, made.stderr);

  const site = original.replaceAll(/\/etc\/letsencrypt\/live\/[\w.-]+\//g, `${dir}/`);
  assert.notEqual(site, original, "the certificate paths were found and replaced");
  const temp = (name: string) => path.join(dir, name);
  fs.writeFileSync(temp("bot.conf"), edit(site));
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
  return {
    config: temp("nginx.conf"),
    certificate: fs.readFileSync(temp("fullchain.pem")),
  };
}
