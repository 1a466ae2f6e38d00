/**
 * End to end, stopping the bot the way a terminal's Ctrl-C or systemd's default
 * KillMode=control-group does: `npm start` runs in its own process group and SIGTERM goes
 * to the whole group (npm, and the node it runs). The job still finishes, its reply
 * arrives and everything exits 0.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { MISSING_NODE_FLAGS } from "../../src/app/node-flags.js";
import { E2E } from "./harness.js";
import { assertSigtermDuringJobFinishesIt } from "./scenarios.js";

describe("e2e: npm start, stopped by a SIGTERM to its process group", () => {
  let e2e: E2E;

  before(async () => {
    e2e = await E2E.start({ npmStart: true, env: { SHUTDOWN_TIMEOUT: "30s" } });
  });

  after(async () => {
    await e2e?.close();
  });

  test("node runs with the bot's options: no warning that they are missing", async () => {
    // Logged after the check, so the warning would be in the logs read by then.
    await e2e.bot.waitForLog((line) => line.msg === "polling for updates");
    assert.ok(!e2e.bot.logs.some((line) => line.msg === MISSING_NODE_FLAGS));
  });

  test("the job running at the signal still answers and the group exits 0", () =>
    assertSigtermDuringJobFinishesIt(e2e));
});
