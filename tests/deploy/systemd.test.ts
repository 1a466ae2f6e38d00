import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { NODE_FLAGS } from "../../src/app/node-flags.js";
import { EXIT_CONFIG } from "../../src/app/telegram-start.js";
import { missingTool, REPO, run, tempDir } from "./support/tools.js";

const UNIT = "local-ai-bot.service";
/** node itself with the bot's options: no npm, shell or tsx wrapper to die first. */
const EXEC_START = `/usr/bin/node ${NODE_FLAGS.join(" ")} --import tsx src/main.ts`;
const text = fs.readFileSync(path.join(REPO, "deploy/systemd", UNIT), "utf8");

describe("deploy/systemd/local-ai-bot.service", () => {
  it("passes `systemd-analyze verify` without a warning", async (t) => {
    const missing = missingTool("systemd-analyze", ["--version"]);
    if (missing) return t.skip(missing);
    const { dir, remove } = tempDir("systemd-test-");
    t.after(remove);
    // verify checks that ExecStart's binary exists: point it at this machine's node.
    assert.ok(text.includes("\nExecStart=/usr/bin/node "), "ExecStart runs /usr/bin/node");
    const unit = text.replace("ExecStart=/usr/bin/node ", `ExecStart=${process.execPath} `);
    fs.writeFileSync(path.join(dir, UNIT), unit);

    const result = await run("systemd-analyze", ["verify", path.join(dir, UNIT)]);
    assert.equal(result.code, 0, result.stderr);
    // Unknown keys and bad values are only warnings (exit 0): fail on any about this unit.
    const warnings = result.stderr.split("\n").filter((line) => line.includes(UNIT));
    assert.deepEqual(warnings, []);
  });

  it("restarts on failure, reads its env file and may write only the data dir", () => {
    const settings = new Map<string, string[]>();
    for (const line of text.split("\n")) {
      const match = /^(\w+)=(.*)$/.exec(line);
      if (match) settings.set(match[1]!, [...(settings.get(match[1]!) ?? []), match[2]!]);
    }
    const one = (key: string) => settings.get(key)?.join(" ");
    assert.equal(one("Restart"), "on-failure");
    // A bad token or config exits EX_CONFIG: not restarted, so it can't loop for ever.
    assert.equal(one("RestartPreventExitStatus"), String(EXIT_CONFIG));
    assert.equal(one("EnvironmentFile"), "/etc/local-ai-bot/bot.env");
    assert.equal(one("WorkingDirectory"), "/opt/local-ai-bot");
    assert.equal(one("NoNewPrivileges"), "yes");
    assert.equal(one("ProtectSystem"), "strict");
    assert.equal(one("ReadWritePaths"), "/var/lib/local-ai-bot");
    const environment = settings.get("Environment") ?? [];
    assert.ok(environment.includes("DATA_DIR=/var/lib/local-ai-bot"));
    assert.ok(environment.some((value) => value.startsWith("CUDA_VISIBLE_DEVICES=")));
    assert.equal(settings.has("PrivateDevices"), false, "would hide /dev/nvidia*");
    assert.equal(settings.has("ProtectClock"), false, "its device allow-list blocks the GPU");
  });

  it("stops gracefully: SIGTERM to node itself, more time than SHUTDOWN_TIMEOUT", () => {
    const one = (key: string) =>
      text
        .split("\n")
        .find((line) => line.startsWith(`${key}=`))
        ?.slice(key.length + 1);
    // node is the main process: no npm, shell or tsx wrapper to die first and take it down.
    assert.equal(one("ExecStart"), EXEC_START);
    assert.equal(one("KillSignal"), "SIGTERM");
    // Only node gets the SIGTERM; the tools under a draining job keep running.
    assert.equal(one("KillMode"), "mixed");
    const stopSeconds = Number(/^(\d+)s$/.exec(one("TimeoutStopSec") ?? "")?.[1]);
    assert.ok(stopSeconds > 30 + 3, "longer than SHUTDOWN_TIMEOUT's default and the notices");
  });
});

describe("deploy/systemd/local-ai-worker@.service", () => {
  const template = fs.readFileSync(
    path.join(REPO, "deploy/systemd", "local-ai-worker@.service"),
    "utf8",
  );

  it("passes `systemd-analyze verify` as an instance without a warning", async (t) => {
    const missing = missingTool("systemd-analyze", ["--version"]);
    if (missing) return t.skip(missing);
    const { dir, remove } = tempDir("systemd-test-");
    t.after(remove);
    const unit = template.replace("ExecStart=/usr/bin/node ", `ExecStart=${process.execPath} `);
    fs.writeFileSync(path.join(dir, "local-ai-worker@.service"), unit);
    const instance = path.join(dir, "local-ai-worker@1.service");
    fs.symlinkSync(path.join(dir, "local-ai-worker@.service"), instance);
    const result = await run("systemd-analyze", ["verify", instance]);
    assert.equal(result.code, 0, result.stderr);
    const warnings = result.stderr.split("\n").filter((line) => line.includes("local-ai-worker"));
    assert.deepEqual(warnings, []);
  });

  it("runs a worker on the GPU its instance names, with its settings file", () => {
    assert.ok(template.includes(`\nExecStart=${EXEC_START}\n`), "ExecStart as the bot's");
    assert.match(template, /^Environment=ROLE=worker$/m);
    assert.match(template, /^Environment=CUDA_VISIBLE_DEVICES=%i$/m);
    assert.match(template, /^EnvironmentFile=\/etc\/local-ai-bot\/worker\.env$/m);
    assert.match(template, /^Restart=on-failure$/m);
    assert.match(template, new RegExp(`^RestartPreventExitStatus=${EXIT_CONFIG}$`, "m"));
  });
});
