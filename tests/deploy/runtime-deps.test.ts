import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { REPO } from "./support/tools.js";

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

describe("the images install dependencies only (npm_config_omit=dev)", () => {
  it("so the bot's sources load no devDependency at run time (type-only imports are erased)", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as {
      devDependencies: Record<string, string>;
    };
    const devOnly = new Set(Object.keys(manifest.devDependencies));
    const offenders: string[] = [];
    for (const file of sources(path.join(REPO, "src"))) {
      const text = fs.readFileSync(file, "utf8");
      const statements = text.match(/^(?:import|export)\b[^;]*?\bfrom\s+"[^"]+"/gms) ?? [];
      const dynamic = [...text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)].map(
        (m) => `import("${m[1]}")`,
      );
      for (const statement of [...statements, ...dynamic]) {
        if (/^(?:import|export)\s+type\b/.test(statement)) continue;
        const specifier = /"([^"]+)"\)?$/.exec(statement)?.[1] ?? "";
        const name = specifier.startsWith("@")
          ? specifier.split("/").slice(0, 2).join("/")
          : specifier.split("/")[0]!;
        if (devOnly.has(name)) offenders.push(`${path.relative(REPO, file)}: ${specifier}`);
      }
    }
    assert.deepEqual(offenders, []);
  });
});
