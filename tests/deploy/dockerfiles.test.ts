import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { REPO } from "./support/tools.js";

interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile instructions with continuation lines joined and comments dropped. */
function instructions(file: string): Instruction[] {
  const joined = fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("#"))
    .join("\n")
    .replace(/\\\n/g, " ");
  return joined
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword = "", ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(" ") };
    });
}

/** The allowlist in `<Dockerfile>.dockerignore`: `*` then `!path` lines. */
function allowed(file: string): string[] {
  const lines = fs.readFileSync(`${file}.dockerignore`, "utf8").split("\n");
  assert.ok(lines.includes("*"), "the context is an allowlist");
  return lines.filter((line) => line.startsWith("!")).map((line) => line.slice(1));
}

for (const name of ["Dockerfile", "Dockerfile.gpu"]) {
  const file = path.join(REPO, "deploy", name);
  const steps = instructions(file);

  describe(`deploy/${name}`, () => {
    it("copies only files that exist in the repository and are in the build context", () => {
      const allowlist = allowed(file);
      const copies = steps.filter((s) => s.keyword === "COPY" && !s.args.includes("--from="));
      assert.ok(copies.length > 0);
      for (const copy of copies) {
        const sources = copy.args
          .split(/\s+/)
          .filter((arg) => !arg.startsWith("--"))
          .slice(0, -1);
        for (const source of sources) {
          assert.ok(fs.existsSync(path.join(REPO, source)), `${source} exists`);
          assert.ok(
            allowlist.some(
              (entry) => source === entry.replace(/\/$/, "") || source.startsWith(entry),
            ),
            `${source} is in the build context (${name}.dockerignore)`,
          );
        }
      }
    });

    it("runs only repository scripts that exist and are copied in first", () => {
      const copied = steps
        .filter((s) => s.keyword === "COPY")
        .flatMap((s) => s.args.split(/\s+/).filter((arg) => !arg.startsWith("--")));
      const runs = steps.filter((s) =>
        ["RUN", "CMD", "HEALTHCHECK", "ENTRYPOINT"].includes(s.keyword),
      );
      const referenced = runs.flatMap(
        (s) => s.args.match(/\b(?:scripts|deploy|src)\/[\w./-]+/g) ?? [],
      );
      assert.ok(referenced.length > 0);
      for (const reference of referenced) {
        assert.ok(fs.existsSync(path.join(REPO, reference)), `${reference} exists`);
        assert.ok(
          copied.some((target) =>
            reference.startsWith(target.replace(/^\.\//, "").replace(/\/?$/, "")),
          ),
          `${reference} is copied into the image`,
        );
      }
    });

    it("installs through scripts/setup.sh, as bare-metal users do, in both stages", () => {
      const setups = steps.filter(
        (s) => s.keyword === "RUN" && s.args.includes("scripts/setup.sh runtime"),
      );
      assert.equal(setups.length, 2);
    });

    it("runs as a non-root user with data on /data and a health check", () => {
      const users = steps.filter((s) => s.keyword === "USER").map((s) => s.args);
      assert.ok(
        users.length > 0 && !["root", "0"].includes(users.at(-1)!),
        "last USER is not root",
      );
      assert.ok(steps.some((s) => s.keyword === "ENV" && /DATA_DIR=\/data\b/.test(s.args)));
      assert.ok(steps.some((s) => s.keyword === "VOLUME" && s.args.includes("/data")));
      assert.ok(
        steps.some((s) => s.keyword === "HEALTHCHECK" && s.args.includes("deploy/healthcheck.mjs")),
      );
      assert.equal(steps.filter((s) => s.keyword === "FROM").length >= 2, true, "multi-stage");
    });

    it("runs node itself as PID 1, so `docker stop`'s SIGTERM reaches the bot", () => {
      // Exec form, no shell or npm in between: PID 1 ignores signals it has no handler
      // for, and main.ts is where SIGTERM is handled (drain, then tell interrupted users).
      assert.equal(
        steps.some((s) => s.keyword === "ENTRYPOINT"),
        false,
      );
      const commands = steps.filter((s) => s.keyword === "CMD");
      assert.equal(commands.length, 1);
      assert.deepEqual(JSON.parse(commands[0]!.args), ["node", "--import", "tsx", "src/main.ts"]);
      const stop = steps.find((s) => s.keyword === "STOPSIGNAL");
      assert.ok(!stop || stop.args === "SIGTERM", "stops with SIGTERM");
    });
  });
}

describe("deploy/Dockerfile.gpu", () => {
  it("installs onnxruntime-node with its CUDA 12 provider on a CUDA 12 + cuDNN base", () => {
    const steps = instructions(path.join(REPO, "deploy/Dockerfile.gpu"));
    assert.ok(
      steps.some((s) => s.keyword === "ENV" && s.args.includes("ONNXRUNTIME_NODE_INSTALL=cuda12")),
    );
    assert.ok(
      steps.some(
        (s) =>
          s.keyword === "ARG" &&
          /^CUDA_IMAGE=nvidia\/cuda:12\.[\d.]+-cudnn-runtime-ubuntu/.test(s.args),
      ),
    );
  });
});
