/**
 * Whether the CUDA execution provider can work here. onnxruntime-node ships without it; its
 * postinstall (skipped by this project's .npmrc) downloads `libonnxruntime_providers_cuda.so`
 * next to the native binding. The probe checks that file and an NVIDIA driver; the real proof is
 * the first CUDA session, and `createPipeline` falls back to CPU when that fails.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export interface CudaProbeEnvironment {
  platform: NodeJS.Platform;
  arch: string;
  fileExists: (path: string) => boolean;
  /** onnxruntime-node's package folder. */
  onnxruntimeDir: string;
}

export interface CudaProbe {
  available: boolean;
  /** Why it is (not) available, for the startup log. */
  reason: string;
}

/** The probe itself, pure over its environment (tests pass a fake one). */
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
  return { available: true, reason: `CUDA provider found at ${provider}` };
}

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
  });
  return cached;
}
