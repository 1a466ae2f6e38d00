/**
 * Whether CUDA really works here. onnxruntime-node ships without the CUDA provider; its
 * postinstall (skipped by this project's .npmrc) downloads `libonnxruntime_providers_cuda.so`
 * next to the native binding, and that provider needs the CUDA 12 runtime and cuDNN 9 besides
 * a driver. Finding files proves none of that, so the probe ends by creating one tiny session
 * (an Add of two floats, {@link ADD_GRAPH}) on the CUDA provider and running it: any failure
 * makes `MODEL_PROFILE=auto` choose `cpu`, with the error as the reason. The session runs in a
 * child process: a provider that fails to load can take the whole process down, and start-up
 * stays synchronous.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * An ONNX model (opset 17): `sum = Add(a, b)` over float[1], 103 bytes. Generated with
 * onnx-proto; tests/models/cuda-probe.test.ts rebuilds it and runs it on the CPU.
 */
export const ADD_GRAPH: Uint8Array = Buffer.from(
  "CAgSCmN1ZGEtcHJvYmU6UQoVCgFhCgFiEgNzdW0aA2FkZCIDQWRkEgNhZGRaDwoBYRIKCggIARIECgIIAVoPCgFiEgoK" +
    "CAgBEgQKAggBYhEKA3N1bRIKCggIARIECgIIAUIECgAQEQ==",
  "base64",
);

/** Runs {@link ADD_GRAPH} on one execution provider and returns `a + b`; throws on failure. */
export type TinySessionRunner = (provider: "cuda" | "cpu", a: number, b: number) => number;

export interface CudaProbeEnvironment {
  platform: NodeJS.Platform;
  arch: string;
  fileExists: (path: string) => boolean;
  /** onnxruntime-node's package folder. */
  onnxruntimeDir: string;
  /** Creates and runs the tiny session (default: onnxruntime-node). */
  runTinySession: TinySessionRunner;
}

export interface CudaProbe {
  available: boolean;
  /** Why it is (not) available, for the startup log and /status. */
  reason: string;
}

/** The probe itself, over its environment (tests pass a fake one). */
export function probeCuda(environment: CudaProbeEnvironment): CudaProbe {
  const { platform, arch, fileExists, onnxruntimeDir } = environment;
  if (platform !== "linux" || arch !== "x64") {
    return {
      available: false,
      reason: `onnxruntime-node has no CUDA provider for ${platform}/${arch}`,
    };
  }
  const provider = join(
    onnxruntimeDir,
    "bin",
    "napi-v6",
    "linux",
    "x64",
    "libonnxruntime_providers_cuda.so",
  );
  if (!fileExists(provider)) {
    return { available: false, reason: `CUDA provider not installed (${provider} is absent)` };
  }
  if (!fileExists("/proc/driver/nvidia/version")) {
    return {
      available: false,
      reason: "no NVIDIA driver loaded (/proc/driver/nvidia/version is absent)",
    };
  }
  try {
    const sum = environment.runTinySession("cuda", 1.5, 2);
    if (sum !== 3.5) {
      return { available: false, reason: `a CUDA test session computed 1.5 + 2 = ${sum}` };
    }
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error))
      // onnxruntime appends its own log line, with terminal colours, to the message.
      .replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"), "")
      .trim();
    return { available: false, reason: `a CUDA test session failed: ${message}` };
  }
  return { available: true, reason: `a CUDA test session ran (provider ${provider})` };
}

/** How long the test session may take: CUDA initialisation alone can take seconds. */
const TINY_SESSION_TIMEOUT_MS = 60_000;

/** The child's program: create the session from base64 bytes, run it, print the sum. */
const TINY_SESSION_SCRIPT = `
const [ortUrl, graph, provider, a, b] = process.argv.slice(1);
const ort = await import(ortUrl);
const session = await ort.InferenceSession.create(Buffer.from(graph, "base64"), {
  executionProviders: [provider],
});
const feed = (x) => new ort.Tensor("float32", Float32Array.of(Number(x)), [1]);
const { sum } = await session.run({ a: feed(a), b: feed(b) });
process.stdout.write(String(sum.data[0]));
await session.release();
`;

/** {@link TinySessionRunner} on onnxruntime-node (the runtime transformers.js uses), in a child process. */
export const runTinySession: TinySessionRunner = (provider, a, b) => {
  const ortUrl = pathToFileURL(createRequire(import.meta.url).resolve("onnxruntime-node")).href;
  const child = spawnSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      TINY_SESSION_SCRIPT,
      ortUrl,
      Buffer.from(ADD_GRAPH).toString("base64"),
      provider,
      String(a),
      String(b),
    ],
    { encoding: "utf8", timeout: TINY_SESSION_TIMEOUT_MS },
  );
  if (child.error) throw child.error;
  if (child.status !== 0) {
    const lines = child.stderr.split("\n").filter((line) => line.trim() !== "");
    const message = lines.find((line) => /Error|error:/.test(line)) ?? lines.at(-1);
    throw new Error(message ?? `exited with ${child.status ?? child.signal}`);
  }
  return Number(child.stdout.trim());
};

function onnxruntimeNodeDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve("onnxruntime-node/package.json"));
}

let cached: CudaProbe | undefined;

/** Probes once per process and remembers the answer (profile `auto` asks at startup). */
export function detectCuda(): CudaProbe {
  cached ??= probeCuda({
    platform: process.platform,
    arch: process.arch,
    fileExists: existsSync,
    onnxruntimeDir: onnxruntimeNodeDir(),
    runTinySession,
  });
  return cached;
}
