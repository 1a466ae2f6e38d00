import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { NODE_FLAGS } from "../../src/app/node-flags.js";
import { fixtureModelsDir } from "../../src/models/catalogue/index.js";
import { botOwnedPaths, instructions } from "./support/dockerfile.js";
import { REPO } from "./support/tools.js";

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
      const runs = (stage: string, text: string) =>
        steps.filter((s) => s.keyword === "RUN" && s.stage === stage && s.args.includes(text));
      // The build stage: npm packages only (no talk of system packages it can't install).
      assert.equal(runs("build", "scripts/setup.sh npm").length, 1);
      assert.equal(runs("runtime", "scripts/setup.sh runtime").length, 1);
      assert.equal(steps.at(-1)?.stage, "runtime", "the runtime stage is the image");
    });

    it("builds node_modules in a stage of its own and prunes it there", () => {
      const build = steps.filter((s) => s.stage === "build");
      const setup = build.findIndex((s) => s.args.includes("scripts/setup.sh npm"));
      const prune = build.findIndex((s) => s.args.includes("scripts/prune-image.sh node_modules"));
      assert.ok(setup >= 0 && prune >= 0, "setup.sh npm and prune-image.sh run in the build stage");
      // One RUN: the files pruned never reach a layer.
      assert.equal(build[setup], build[prune]);
      assert.ok(
        steps.some(
          (s) =>
            s.stage === "runtime" &&
            s.keyword === "COPY" &&
            /--from=build \/app\/node_modules \.\/node_modules/.test(s.args),
        ),
      );
    });

    it("takes an npm mirror, an extra CA certificate and npm's log level as build arguments", () => {
      const args = steps
        .filter((s) => s.keyword === "ARG" && s.stage === "build")
        .map((s) => s.args.split("=")[0]);
      for (const name of ["NPM_REGISTRY", "NPM_EXTRA_CA", "NPM_LOGLEVEL"]) {
        assert.ok(args.includes(name), `ARG ${name} in the build stage`);
      }
      const install = steps.find((s) => s.stage === "build" && s.args.includes("setup.sh npm"));
      assert.match(install!.args, /npm_config_registry="\$NPM_REGISTRY"/);
      assert.match(install!.args, /NODE_EXTRA_CA_CERTS=/);
      assert.match(install!.args, /NPM_LOGLEVEL="\$NPM_LOGLEVEL"/);
      // Nothing of the kind is baked into the image.
      assert.equal(
        steps.some((s) => s.stage === "runtime" && /NPM_EXTRA_CA|NPM_REGISTRY/.test(s.args)),
        false,
      );
    });

    it("pins its base images to releases", () => {
      const bases = steps
        .filter((s) => s.keyword === "ARG" && /^\w+_IMAGE=/.test(s.args))
        .map((s) => s.args.split("=")[1]!);
      assert.ok(bases.length > 0);
      for (const base of bases) {
        assert.match(base, /^[\w./-]+:\d+\.\d+\.\d+-[\w.-]+$/, `${base} names a release`);
      }
      // Every FROM is a pinned ARG or an earlier stage: no literal, unpinned base.
      const stages = new Set(steps.map((s) => s.stage));
      for (const from of steps.filter((s) => s.keyword === "FROM")) {
        const image = from.args.split(/\s+/)[0]!;
        assert.ok(/^\$\{\w+_IMAGE\}$/.test(image) || stages.has(image), `FROM ${image}`);
      }
    });

    it("ships the fixture models where the fixture profile looks for them", () => {
      const copy = steps.find(
        (s) => s.stage === "runtime" && s.keyword === "COPY" && s.args.startsWith("fixtures/"),
      );
      assert.ok(copy, "fixtures are copied into the image");
      const [source, target] = copy.args.split(/\s+/);
      assert.equal(source, path.relative(REPO, fixtureModelsDir));
      assert.equal(target, `./${path.relative(REPO, fixtureModelsDir)}`);
      assert.ok(steps.some((s) => s.keyword === "WORKDIR" && s.args === "/app"));
    });

    it("runs as uid and gid 10001 and owns every folder it may write or mount", () => {
      const run = steps.filter((s) => s.stage === "runtime" && s.keyword === "RUN").at(-1)!;
      assert.match(run.args, /groupadd --system --gid 10001 bot/);
      assert.match(run.args, /useradd --system --uid 10001 --gid 10001 /);
      assert.deepEqual(botOwnedPaths(steps), [
        "/data",
        "/data/models",
        "/var/lib/telegram-bot-api",
      ]);
    });

    it("has dpkg leave out documentation and Mesa's drivers before apt installs anything", () => {
      const order = steps.filter((s) => s.stage === "runtime");
      const excludes = order.findIndex(
        (s) =>
          s.keyword === "COPY" &&
          s.args.startsWith("deploy/dpkg-excludes.cfg /etc/dpkg/dpkg.cfg.d/"),
      );
      const setup = order.findIndex((s) => s.args.includes("scripts/setup.sh runtime"));
      assert.ok(excludes >= 0 && excludes < setup);
      const config = fs.readFileSync(path.join(REPO, "deploy/dpkg-excludes.cfg"), "utf8");
      for (const pattern of ["/usr/lib/*/dri/*", "/usr/lib/*/libLLVM-*.so*", "/usr/share/doc/*"]) {
        assert.ok(config.includes(`path-exclude=${pattern}`), pattern);
      }
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
      assert.deepEqual(JSON.parse(commands[0]!.args), [
        "node",
        ...NODE_FLAGS,
        "--import",
        "tsx",
        "src/main.ts",
      ]);
      const stop = steps.find((s) => s.keyword === "STOPSIGNAL");
      assert.ok(!stop || stop.args === "SIGTERM", "stops with SIGTERM");
    });
  });
}

describe("building with podman or buildah", () => {
  it("is documented with --format docker, without which the OCI image has no HEALTHCHECK", () => {
    const guide = fs.readFileSync(path.join(REPO, "docs/deploy.md"), "utf8");
    for (const name of ["Dockerfile", "Dockerfile.gpu"]) {
      const file = fs.readFileSync(path.join(REPO, "deploy", name), "utf8");
      assert.match(file, /^# {3}podman build --format docker -f deploy\/Dockerfile/m, name);
    }
    assert.match(guide, /podman build --format docker -f deploy\/Dockerfile /);
    assert.match(guide, /buildah bud --format docker -f deploy\/Dockerfile /);
  });
});

describe("deploy/Dockerfile.gpu", () => {
  const steps = instructions(path.join(REPO, "deploy/Dockerfile.gpu"));

  it("builds native addons on the CUDA image itself, whatever CUDA_IMAGE names", () => {
    const froms = steps.filter((s) => s.keyword === "FROM").map((s) => s.args);
    assert.ok(froms.includes("${CUDA_IMAGE} AS build"));
    assert.ok(froms.includes("${CUDA_IMAGE} AS runtime"));
    assert.equal(
      froms.some((from) => /ubuntu:/.test(from)),
      false,
    );
  });

  it("takes onnxruntime-node's CUDA provider from the build context when it is there", () => {
    const copy = steps.find(
      (s) =>
        s.stage === "build" && s.keyword === "COPY" && s.args.includes("deploy/onnxruntime-cuda/"),
    );
    assert.ok(copy);
    const install = steps.find((s) => s.stage === "build" && s.args.includes("setup.sh npm"))!;
    // Supplied: no download (install skipped), the files next to the binding.
    assert.match(
      install.args,
      /if \[ -f "\$supplied\/libonnxruntime_providers_cuda\.so" \]; then export ONNXRUNTIME_NODE_INSTALL=skip;/,
    );
    assert.match(
      install.args,
      /cp "\$supplied"\/\*\.so node_modules\/onnxruntime-node\/bin\/napi-v6\/linux\/x64\//,
    );
    // Nothing else in that folder may be built into the image by mistake: only .so files are read.
    assert.ok(fs.existsSync(path.join(REPO, "deploy/onnxruntime-cuda/README.md")));
  });

  it("installs onnxruntime-node with its CUDA 12 provider on a CUDA 12 + cuDNN base", () => {
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
