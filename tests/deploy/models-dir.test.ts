/**
 * `npm run models:pull` and `models:check` fill and check the folder the bot loads from: the
 * same environment (the container's DATA_DIR=/data, an `.env` copied from .env.example with an
 * empty MODELS_DIR) gives the scripts and the bot's config one folder.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { parseEnv } from "node:util";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config/index.js";
import { parseCommandLine as checkOptions } from "../../scripts/models-check.js";
import { parseCommandLine as pullOptions } from "../../scripts/models-pull.js";
import { REPO, run, tempDir } from "./support/tools.js";

const TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ0123";

const botFolder = (env: Record<string, string>) =>
  loadConfig({ BOT_TOKEN: TOKEN, ...env }).models.dir;

describe("the models folder of the scripts and of the bot", () => {
  const cases: { name: string; env: Record<string, string>; expected: string }[] = [
    {
      name: "DATA_DIR set, MODELS_DIR empty (the image with .env.example)",
      env: { DATA_DIR: "/data", MODELS_DIR: "" },
      expected: "/data/models",
    },
    {
      name: "MODELS_DIR blank",
      env: { DATA_DIR: "/srv/bot", MODELS_DIR: "  " },
      expected: "/srv/bot/models",
    },
    {
      name: "MODELS_DIR set",
      env: { DATA_DIR: "/data", MODELS_DIR: "/models" },
      expected: "/models",
    },
    { name: "nothing set", env: {}, expected: path.resolve("data/models") },
    {
      name: "relative DATA_DIR",
      env: { DATA_DIR: "./state", MODELS_DIR: "" },
      expected: path.resolve("state/models"),
    },
  ];
  for (const { name, env, expected } of cases) {
    it(`is one folder: ${name}`, () => {
      assert.equal(botFolder(env), expected);
      assert.equal(pullOptions([], env).modelsDir, expected);
      assert.equal(checkOptions([], env).modelsDir, expected);
    });
  }

  it("takes --models-dir over the environment", () => {
    const env = { DATA_DIR: "/data", MODELS_DIR: "" };
    assert.equal(pullOptions(["--models-dir", "/elsewhere"], env).modelsDir, "/elsewhere");
    const check = checkOptions(["--models-dir", "/elsewhere"], env);
    assert.equal(check.modelsDir, "/elsewhere");
    assert.equal(check.explicitModelsDir, true);
  });

  it("reads an empty MODEL_PROFILE as the default, like the bot", () => {
    assert.equal(pullOptions([], { MODEL_PROFILE: "" }).profile, "auto");
    assert.equal(checkOptions([], { MODEL_PROFILE: "" }).profile, "auto");
  });

  it("models:check run as a process reports the bot's folder, not one under its working directory", async (t) => {
    const { dir, remove } = tempDir("models-dir-");
    t.after(remove);
    const env = { DATA_DIR: dir, MODELS_DIR: "", MODEL_PROFILE: "cpu", LOG_LEVEL: "silent" };
    // Nothing is pulled, so it exits 1; the first lines name the folder it read.
    const { stdout } = await run(process.execPath, ["--import", "tsx", "scripts/models-check.ts"], {
      cwd: REPO,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    });
    assert.match(stdout, new RegExp(`^models in ${path.join(dir, "models")};`, "m"));
    assert.equal(fs.existsSync(path.join(REPO, "Xenova")), false);
  });
});

describe(".env.example with MODEL_PROFILE=fixture (the image's offline smoke test)", () => {
  it("loads: the example leaves ALLOW_REMOTE_MODELS to its default, which the fixture profile allows", () => {
    const example = parseEnv(fs.readFileSync(path.join(REPO, ".env.example"), "utf8"));
    const env = { ...example, BOT_TOKEN: TOKEN, DATA_DIR: "/data", MODEL_PROFILE: "fixture" };
    const config = loadConfig(env);
    assert.equal(config.models.allowRemote, false);
    assert.equal(config.models.dir, "/data/models");
    // The default profile still downloads on first use.
    assert.equal(loadConfig({ ...example, BOT_TOKEN: TOKEN }).models.allowRemote, true);
  });
});
