/**
 * GPU memory this process uses, read from `nvidia-smi --query-compute-apps` (GPU memory is not
 * in the resident set, so CUDA loads are measured here, before and after). The command is
 * looked up on PATH; tests put a fake `nvidia-smi` there.
 */
import { execFile } from "node:child_process";

const MIB = 1024 ** 2;

export const NVIDIA_SMI_ARGS = [
  "--query-compute-apps=pid,used_memory",
  "--format=csv,noheader,nounits",
] as const;

/** Sums the `pid, used MiB` lines of `pid` in nvidia-smi's CSV; 0 when the process has none. */
export function parseComputeApps(csv: string, pid: number): number {
  let mib = 0;
  for (const line of csv.split("\n")) {
    const [pidText, usedText] = line.split(",").map((field) => field.trim());
    if (Number(pidText) === pid && usedText !== undefined && /^\d+(\.\d+)?$/.test(usedText)) {
      mib += Number(usedText);
    }
  }
  return mib * MIB;
}

/** Bytes of GPU memory process `pid` uses, from nvidia-smi; rejects when it can't be read. */
export function gpuMemoryOfProcess(
  pid: number = process.pid,
  command = "nvidia-smi",
): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(command, NVIDIA_SMI_ARGS, { timeout: 10_000 }, (error, stdout) => {
      if (error) reject(new Error(`${command} failed: ${error.message.split("\n")[0]}`));
      else resolve(parseComputeApps(stdout, pid));
    });
  });
}
