import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { botOwnedPaths, instructions } from "./support/dockerfile.js";
import { missingTool, REPO, run, tempDir } from "./support/tools.js";

type Mount = string | { type?: string; source?: string; target: string };
interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  env_file?: string | string[];
  environment?: Record<string, string> | string[];
  volumes?: Mount[];
  profiles?: string[];
}

/** The compose file as Compose reads it, YAML merge keys (`<<: *bot`) applied. */
const compose = parse(fs.readFileSync(path.join(REPO, "deploy/docker-compose.yml"), "utf8"), {
  merge: true,
}) as { name?: string; services: Record<string, Service> };
const services = Object.entries(compose.services);

/** A service's environment as a map (Compose takes a map or `KEY=value` lines). */
function environment(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (!Array.isArray(env)) return env;
  return Object.fromEntries(
    env.map((line) => [line.split("=")[0], line.split("=").slice(1).join("=")]),
  );
}

/** The container path of a volume entry, short (`src:/path[:ro]`) or long syntax. */
const targetOf = (mount: Mount) =>
  typeof mount === "string" ? mount.split(":")[1]! : mount.target;

describe("deploy/docker-compose.yml, parsed", () => {
  const botServices = services.filter(([, service]) => service.build);

  it("needs Compose v2 (a top-level name) and builds the bot, the GPU bot and the workers here", () => {
    assert.equal(compose.name, "local-ai-bot");
    const guide = fs.readFileSync(path.join(REPO, "docs/deploy.md"), "utf8");
    assert.match(guide, /needs \*\*Docker Compose v2\*\*/);
    assert.deepEqual(botServices.map(([name]) => name).sort(), ["bot", "bot-gpu", "worker"]);
  });

  it("gives the bots and the workers one Redis URL, defaulting to the redis service", () => {
    const urls = botServices.map(([, service]) => environment(service).REDIS_URL);
    assert.deepEqual(
      urls,
      urls.map(() => "${REDIS_URL:-redis://redis:6379}"),
    );
    assert.ok(compose.services.redis, "the redis service the default names");
    for (const [name, service] of botServices) {
      assert.deepEqual([service.env_file].flat(), ["../.env"], `${name} reads .env`);
    }
  });

  it("leaves CUDA_VISIBLE_DEVICES to .env in every service", () => {
    for (const [name, service] of services) {
      assert.equal("CUDA_VISIBLE_DEVICES" in environment(service), false, name);
    }
  });

  it("gives the Bot API server its API id and hash only, never the bot's .env or token", () => {
    const server = compose.services["telegram-bot-api"]!;
    assert.equal(server.env_file, undefined);
    assert.deepEqual(Object.keys(environment(server)).sort(), [
      "TELEGRAM_API_HASH",
      "TELEGRAM_API_ID",
      "TELEGRAM_LOCAL",
    ]);
    assert.doesNotMatch(JSON.stringify(server), /BOT_TOKEN/);
  });

  it("mounts volumes only at folders the image creates for the bot user", () => {
    for (const [name, service] of botServices) {
      // The build context is relative to deploy/, the Dockerfile to the context.
      const { context, dockerfile } = service.build!;
      const owned = botOwnedPaths(instructions(path.resolve(REPO, "deploy", context, dockerfile)));
      assert.ok(owned.length > 0, `${dockerfile} creates the bot's folders`);
      for (const mount of service.volumes ?? []) {
        assert.ok(owned.includes(targetOf(mount)), `${name}: ${targetOf(mount)} is made and owned`);
      }
    }
  });

  it("pins every image it pulls to a release", () => {
    for (const [name, service] of services) {
      if (service.build) {
        assert.match(service.image ?? "", /^local-ai-bot:(cpu|gpu)$/, name);
        continue;
      }
      const [, tag = ""] = (service.image ?? "").split(":");
      assert.match(tag, /^\d+\.\d+(\.\d+)?(-[\w.]+)?$/, `${name}: ${service.image}`);
    }
  });
});

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
