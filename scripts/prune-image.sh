#!/usr/bin/env bash
# Removes from an installed node_modules what a Linux image never loads, in the images'
# build stage (deploy/Dockerfile, deploy/Dockerfile.gpu):
#   - onnxruntime-node's binaries for macOS and Windows, and for the other Linux CPU
#     architecture (the package ships all of them, about 245 MB; the linux/<arch> folder,
#     CUDA provider included, stays);
#   - onnxruntime-web (about 140 MB): transformers.js's Node build (dist/transformers.node.*,
#     what `import "@huggingface/transformers"` loads on Node) bundles the few ONNX Runtime
#     Web parts it needs and requires only onnxruntime-node and onnxruntime-common;
#     tests/deploy/prune-image.test.ts checks that it never names the package;
#   - source maps (*.js.map and the like): nothing runs with --enable-source-maps;
#   - better-sqlite3's SQLite sources and object files, once its addon is built.
# Usage: scripts/prune-image.sh NODE_MODULES [ARCH]   (ARCH: x64 or arm64; default: this node's)
set -euo pipefail

modules="${1:?usage: scripts/prune-image.sh NODE_MODULES [ARCH]}"
arch="${2:-$(node -p process.arch)}"
[ -d "$modules" ] || {
  echo "[prune] no such folder: $modules" >&2
  exit 1
}

say() { printf '[prune] %s\n' "$*" >&2; }
size_kb() { du -sk "$1" | cut -f1; }
before="$(size_kb "$modules")"

# onnxruntime-node (also where another package has its own copy): bin/napi-v*/<platform>/<arch>.
while IFS= read -r -d '' bin; do
  for platform in "$bin"/*/; do
    platform="${platform%/}"
    if [ "$(basename "$platform")" != linux ]; then
      rm -rf "$platform"
      continue
    fi
    for dir in "$platform"/*/; do
      dir="${dir%/}"
      [ "$(basename "$dir")" = "$arch" ] || rm -rf "$dir"
    done
  done
done < <(find "$modules" -type d -path '*/onnxruntime-node/bin/napi-v*' -prune -print0)

find "$modules" -type d -name onnxruntime-web -prune -exec rm -rf {} +

find "$modules" -type f \( -name '*.js.map' -o -name '*.mjs.map' -o -name '*.cjs.map' \
  -o -name '*.css.map' -o -name '*.ts.map' \) -delete

sqlite="$modules/better-sqlite3"
if [ -f "$sqlite/build/Release/better_sqlite3.node" ]; then
  rm -rf "$sqlite/deps" "$sqlite/src" "$sqlite/build/Release/obj" \
    "$sqlite/build/Release/obj.target" "$sqlite/build/Release/test_extension.node" \
    "$sqlite/build/Release/"*.a
fi

after="$(size_kb "$modules")"
say "node_modules: $((before / 1024)) MiB -> $((after / 1024)) MiB (kept onnxruntime-node linux/$arch)"
