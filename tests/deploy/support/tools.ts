/** Helpers for tests that check deploy files with the real tools, skipping when absent. */
import { execFile, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const REPO = path.resolve(import.meta.dirname, "../../..");

/** Why a tool can't be used here, or undefined when it runs. */
export function missingTool(command: string, args: string[] = ["--version"]): string | undefined {
  const result = spawnSync(command, args, { encoding: "utf8" });
  if (result.error) return `${command} is not installed (${result.error.message})`;
  if (result.status !== 0) {
    return `\`${command} ${args.join(" ")}\` failed: ${(result.stderr || result.stdout).trim()}`;
  }
  return undefined;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command without blocking the event loop (servers in this process keep answering). */
export function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(command, args, { ...options, encoding: "utf8" }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
