import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { bindDatabaseMetrics, createBotMetrics } from "../../src/metrics/index.js";
import { parseExposition } from "../server/support/exposition.js";
import { REPO } from "./support/tools.js";

interface Panel {
  title: string;
  targets?: { expr: string }[];
}

describe("deploy/grafana/local-ai-bot.json", () => {
  const dashboard = JSON.parse(
    fs.readFileSync(path.join(REPO, "deploy/grafana/local-ai-bot.json"), "utf8"),
  ) as { panels: Panel[]; uid: string };

  it("queries only metrics the bot exports, with the types the queries assume", async () => {
    const { registry } = createBotMetrics();
    // Bound by the app beside the bot's own metrics; the panels must cover them too.
    bindDatabaseMetrics(registry, () => ({
      fileBytes: 1,
      walBytes: 0,
      usedBytes: 1,
      freeBytes: 0,
      rows: { results: 0, history: 0, usage: 0 },
    }));
    const { types } = parseExposition(await registry.metrics());
    const expressions = dashboard.panels.flatMap((panel) => panel.targets ?? []).map((t) => t.expr);
    assert.ok(expressions.length >= 10);
    const used = new Set(
      expressions.flatMap((expr) => expr.match(/\b(?:bot|process|nodejs)_[a-z0-9_]+\b/g) ?? []),
    );
    for (const name of used) {
      const family = name.replace(/_(bucket|sum|count)$/, "");
      const type = types.get(name) ?? types.get(family);
      assert.ok(type, `${name} is exported`);
      if (name.endsWith("_bucket")) assert.equal(type, "histogram", name);
      if (/\brate\(|\bincrease\(/.test(expressions.find((e) => e.includes(name)) ?? "")) {
        assert.ok(type === "counter" || type === "histogram", `${name} is rated, so a counter`);
      }
    }
    for (const name of Object.keys(Object.fromEntries(types))) {
      if (name.startsWith("bot_"))
        assert.ok(
          [...used].some((u) => u.startsWith(name)),
          `${name} has a panel`,
        );
    }
  });

  it("gives every panel a title and a unique id", () => {
    const ids = dashboard.panels.map((panel) => (panel as Panel & { id: number }).id);
    assert.equal(new Set(ids).size, ids.length);
    for (const panel of dashboard.panels) assert.ok(panel.title);
  });
});
