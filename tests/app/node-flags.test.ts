/** The options node runs the bot with: named by `npm start`, checked at start. */
import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, it } from "node:test";
import { missingNodeFlags, NODE_FLAGS } from "../../src/app/node-flags.js";

describe("node's options for the bot", () => {
  it("are given by npm start, before the entry point", () => {
    const manifest = JSON.parse(
      fs.readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
    ) as { scripts: Record<string, string> };
    assert.ok(
      manifest.scripts.start!.endsWith(
        `&& exec node ${NODE_FLAGS.join(" ")} --import tsx src/main.ts`,
      ),
      manifest.scripts.start,
    );
  });

  it("are reported missing from a node started without them, and only then", () => {
    assert.deepEqual(missingNodeFlags(["--import", "tsx"]), [...NODE_FLAGS]);
    assert.deepEqual(missingNodeFlags([...NODE_FLAGS, "--import", "tsx"]), []);
  });
});
