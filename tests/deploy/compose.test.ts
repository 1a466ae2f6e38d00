import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { missingTool, REPO, run, tempDir } from "./support/tools.js";

describe("deploy/docker-compose.yml", () => {
  it("passes `docker compose config` with every profile", async (t) => {
    const missing = missingTool("docker", ["compose", "version"]);
    if (missing) return t.skip(`the docker compose plugin is not available: ${missing}`);
    // A copy beside a throwaway .env: the real .env (with a token) is not needed or read.
    const { dir, remove } = tempDir("compose-test-");
    t.after(remove);
    fs.mkdirSync(path.join(dir, "deploy"));
    fs.cpSync(path.join(REPO, "deploy"), path.join(dir, "deploy"), { recursive: true });
    fs.writeFileSync(path.join(dir, ".env"), "BOT_TOKEN=123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ0123\n");

    const result = await run("docker", [
      "compose",
      "-f",
      path.join(dir, "deploy/docker-compose.yml"),
      "--profile",
      "gpu",
      "--profile",
      "webhook",
      "--profile",
      "local-api",
      "--profile",
      "cluster",
      "config",
      "--services",
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.stdout.trim().split("\n").sort(), [
      "bot",
      "bot-gpu",
      "nginx",
      "redis",
      "telegram-bot-api",
      "worker",
    ]);
  });
});
