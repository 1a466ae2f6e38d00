/**
 * End to end, stopping the bot the way a terminal's Ctrl-C or systemd's default
 * KillMode=control-group does: `npm start` runs in its own process group and SIGTERM goes
 * to the whole group (npm, and the node it runs). The job still finishes, its reply
 * arrives and everything exits 0.
 */
import { after, before, describe, test } from "node:test";
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

  test("the job running at the signal still answers and the group exits 0", () =>
    assertSigtermDuringJobFinishesIt(e2e));
});
