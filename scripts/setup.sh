#!/usr/bin/env bash
# Installs whatever the bot ("runtime") or the test suite ("test") still lacks, and
# nothing it already has: npm packages when package-lock.json changed since the last
# install, and Debian/Ubuntu packages (via apt when running as root, else a message).
# "npm" installs the npm packages only: the images' build stage, whose final stage
# installs the system packages.
# npm's log level is NPM_LOGLEVEL (or npm_config_loglevel), "notice" by default; when npm
# fails, the end of its debug log is printed, where the cause is (a proxy's certificate,
# say) when npm itself prints no more than "Exit handler never called!".
set -euo pipefail

mode="${1:-runtime}"
case "$mode" in
  runtime | test | npm) ;;
  *)
    echo "usage: scripts/setup.sh [runtime|test|npm]" >&2
    exit 2
    ;;
esac
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*" >&2; }

node -e '
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 20 || (major === 20 && minor < 12)) {
    console.error(`[setup] Node.js >= 20.12 is required; this is ${process.versions.node}.`);
    process.exit(1);
  }'

# --- npm packages -----------------------------------------------------------------
lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
stamp="node_modules/.setup-stamp"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  say "installing npm packages (npm ci)..."
  # better-sqlite3 may compile from source; point node-gyp at this Node's own headers so
  # it never downloads them.
  node_prefix="$(node -p 'require("path").resolve(process.execPath, "../..")')"
  if [ -f "$node_prefix/include/node/node.h" ]; then export npm_config_nodedir="$node_prefix"; fi
  # onnxruntime-node's postinstall downloads its CUDA provider: wanted where an NVIDIA
  # GPU is present, and fatal to the whole install on an offline CPU-only machine.
  if [ -z "${ONNXRUNTIME_NODE_INSTALL:-}" ]; then
    if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
      export ONNXRUNTIME_NODE_INSTALL=cuda12
    else
      export ONNXRUNTIME_NODE_INSTALL=skip
    fi
  fi
  loglevel="${NPM_LOGLEVEL:-${npm_config_loglevel:-notice}}"
  # A folder of its own for npm's debug log, so the log shown on failure is this install's.
  logs="$(mktemp -d)"
  if ! npm ci --no-audit --no-fund --loglevel="$loglevel" --logs-dir="$logs"; then
    for debug_log in "$logs"/*-debug-*.log; do
      [ -f "$debug_log" ] || continue
      say "npm ci failed; the problems in its debug log ($debug_log):"
      grep -E '^[0-9]+ (error|warn|verbose (stack|code|errno|syscall|reason)|http fetch .*fail)' \
        "$debug_log" | tail -n 30 >&2 || true
    done
    say "npm ci failed. Behind a proxy or a registry mirror, see \"Building behind a proxy\" in docs/deploy.md"
    exit 1
  fi
  rm -rf "$logs"
  echo "$lock_hash" >"$stamp"
fi

# The images' build stage: the final stage installs the system packages.
if [ "$mode" = "npm" ]; then exit 0; fi

# --- system packages --------------------------------------------------------------
# ffmpeg decodes voice notes and encodes voice replies; espeak-ng is the fallback voice;
# tesseract-ocr is the native OCR engine (about twice as fast as tesseract.js, which
# stays the fallback) and tesseract-ocr-rus its Russian data, which tesseract.js reads too.
packages=(ffmpeg espeak-ng tesseract-ocr tesseract-ocr-rus)
if [ "$mode" = "test" ]; then
  # DejaVu renders the Cyrillic test images; nginx checks deploy/nginx config;
  # redis-server runs the cluster tests (each starts a private one on a free port).
  packages+=(fonts-dejavu-core nginx-light redis-server)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  elif [ "$mode" = "test" ]; then
    say "missing system packages: ${missing[*]}"
    say "install them with: sudo apt-get install -y ${missing[*]}"
    exit 1
  else
    say "missing system packages: ${missing[*]} (voice, native and Russian OCR need them)"
    say "install them with: sudo apt-get install -y ${missing[*]}"
  fi
fi
