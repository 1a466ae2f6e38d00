/**
 * scripts/setup.sh as the images' build stage runs it (`setup.sh npm`), in a copy of the
 * manifest: a failing `npm ci` shows its cause from npm's debug log whatever the log level,
 * and the npm-only mode never talks about system packages.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { REPO, run, tempDir } from "./support/tools.js";

/** package.json, its lock, .npmrc and setup.sh in a fresh folder. */
function project(t: { after: (fn: () => void) => void }) {
  const { dir, remove } = tempDir("setup-test-");
  t.after(remove);
  for (const file of ["package.json", "package-lock.json", ".npmrc", "scripts/setup.sh"]) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.copyFileSync(path.join(REPO, file), path.join(dir, file));
  }
  return dir;
}

function setup(dir: string, mode: string, env: Record<string, string> = {}) {
  return run("bash", ["scripts/setup.sh", mode], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: dir, ONNXRUNTIME_NODE_INSTALL: "skip", ...env },
  });
}

describe("scripts/setup.sh", () => {
  it("shows why npm ci failed from npm's debug log, even with npm's own output silenced", async (t) => {
    const dir = project(t);
    // A registry nobody listens on: every fetch is refused at once.
    const result = await setup(dir, "npm", {
      NPM_LOGLEVEL: "silent",
      npm_config_registry: "http://127.0.0.1:9/",
      npm_config_cache: path.join(dir, "npm-cache"),
      npm_config_fetch_retries: "0",
    });
    assert.equal(result.code, 1);
    assert.doesNotMatch(result.stderr, /^npm error/m, "NPM_LOGLEVEL=silent is npm's level");
    assert.match(result.stderr, /npm ci failed; the problems in its debug log/);
    assert.match(result.stderr, /ECONNREFUSED/);
    assert.match(result.stderr, /docs\/deploy\.md/);
    assert.doesNotMatch(result.stderr, /apt-get/);
  });

  it("in npm mode installs npm packages only and says nothing of system packages", async (t) => {
    const dir = project(t);
    // The stamp of an install of this very lock: npm has nothing to do.
    const lock = fs.readFileSync(path.join(dir, "package-lock.json"));
    fs.mkdirSync(path.join(dir, "node_modules"));
    fs.writeFileSync(
      path.join(dir, "node_modules/.setup-stamp"),
      `${createHash("sha256").update(lock).digest("hex")}\n`,
    );
    // A dpkg that knows no package and an apt-get that fails: in runtime mode every
    // system package would be missing.
    const fake = path.join(dir, "fake-bin");
    fs.mkdirSync(fake);
    for (const tool of ["dpkg-query", "apt-get"]) {
      fs.writeFileSync(path.join(fake, tool), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
    }
    const result = await setup(dir, "npm", { PATH: `${fake}:${process.env.PATH}` });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
  });

  it("refuses an unknown mode", async (t) => {
    const result = await setup(project(t), "everything");
    assert.equal(result.code, 2);
    assert.match(result.stderr, /usage: scripts\/setup\.sh \[runtime\|test\|npm\]/);
  });
});
