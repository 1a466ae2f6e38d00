/**
 * The one seam through which the media layer starts external tools (ffmpeg, ffprobe,
 * espeak-ng). Everything above it builds argument lists and interprets results, so it
 * can be tested with a fake runner; {@link spawnTool} is the only code that spawns.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { getPriority, setPriority } from "node:os";
import { ToolError, cancelledError } from "../shared/errors.js";

/** One invocation of an external tool. */
export interface ToolRequest {
  /** Executable name or path. */
  command: string;
  args: readonly string[];
  /** Bytes written to the tool's stdin (stdin is closed right after). */
  input?: Uint8Array;
  /** Variables added to the inherited environment, e.g. `{ OMP_THREAD_LIMIT: "1" }`. */
  env?: Readonly<Record<string, string>>;
  /** The tool is killed and the call fails with "tool.timeout" after this long. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** What to install when the command is missing, e.g. "ffmpeg (apt-get install ffmpeg)". */
  installHint: string;
  /**
   * Runs the tool at a lower CPU priority (this much added to its nice value), so that
   * when the cores are busy the bot's own work (chat answers, the event loop) goes first.
   */
  niceness?: number;
}

/** How a tool ended. A non-zero exit is a result, not an exception: callers decide what it means. */
export interface ToolResult {
  exitCode: number | null;
  stdout: Buffer;
  /** The tail of stderr (bounded), for error messages and logs. */
  stderr: string;
}

/**
 * Runs a tool to completion. Implementations throw `ToolError` "tool.missing" when the
 * command doesn't exist, "tool.timeout" past the timeout, and `cancelledError()` when the
 * signal aborts; any other outcome is returned.
 */
export type ToolRunner = (request: ToolRequest) => Promise<ToolResult>;

const STDERR_TAIL_CHARS = 4000;

/** A started tool, wherever it runs: how it ended, and a way to stop it. */
export interface StartedTool {
  /** Resolves when the tool ends; `spawnError` when it could not start or failed to run. */
  ended: Promise<{
    exitCode: number | null;
    stdout: Buffer;
    stderr: string;
    spawnError?: { code?: string; message: string };
  }>;
  kill(): void;
}

/**
 * Runs a started tool to the end under the {@link ToolRunner} contract: the timeout and the
 * abort signal kill it, and a failed start becomes "tool.missing" or "tool.failed".
 */
export function supervise(
  request: ToolRequest,
  start: (request: ToolRequest) => StartedTool,
): Promise<ToolResult> {
  if (request.signal?.aborted) return Promise.reject(cancelledError(request.signal.reason));
  const tool = start(request);
  let failure: unknown;
  const fail = (error: unknown): void => {
    failure ??= error;
    tool.kill();
  };
  const timer = setTimeout(
    () =>
      fail(
        new ToolError(
          "tool.timeout",
          `${request.command} did not finish within ${request.timeoutMs} ms`,
          { tool: request.command, timeoutMs: request.timeoutMs },
        ),
      ),
    request.timeoutMs,
  );
  const onAbort = (): void => fail(cancelledError(request.signal?.reason));
  request.signal?.addEventListener("abort", onAbort, { once: true });
  return tool.ended.then(({ spawnError, ...result }) => {
    clearTimeout(timer);
    request.signal?.removeEventListener("abort", onAbort);
    if (failure === undefined && spawnError) failure = startError(request, spawnError);
    if (failure !== undefined) throw failure;
    return result;
  });
}

function startError(request: ToolRequest, error: { code?: string; message: string }): ToolError {
  if (error.code === "ENOENT") {
    return new ToolError(
      "tool.missing",
      `${request.command} was not found; install ${request.installHint}`,
      { tool: request.command, install: request.installHint },
    );
  }
  return new ToolError(
    "tool.failed",
    `${request.command} could not start: ${error.message}`,
    {},
    { cause: error },
  );
}

/** Starts a tool as a child of this process. */
export function startLocally(request: ToolRequest): StartedTool {
  // Its own process group: a SIGTERM or Ctrl-C sent to the bot's whole group (systemd,
  // a terminal) must not kill the tool under a job the bot is still draining. It ends
  // with its pipes if the bot dies.
  const child = spawn(request.command, request.args, {
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
    ...(request.env ? { env: { ...process.env, ...request.env } } : {}),
  });
  const ended = new Promise<Awaited<StartedTool["ended"]>>((resolve) => {
    const stdout: Buffer[] = [];
    let stderr = "";
    let spawnError: { code?: string; message: string } | undefined;
    let settled = false;
    const finish = (exitCode: number | null): void => {
      if (settled) return;
      settled = true;
      resolve({ exitCode, stdout: Buffer.concat(stdout), stderr: stderr.trim(), spawnError });
    };
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
    });
    // A tool that rejects its input exits before reading all of it; the resulting EPIPE is
    // expected and the exit code tells the real story.
    child.stdin.on("error", () => undefined);
    child.on("error", (error: NodeJS.ErrnoException) => {
      spawnError ??= { code: error.code, message: error.message };
      // A failed spawn may never emit "close", so settle here as well.
      if (child.pid === undefined) finish(null);
    });
    child.on("close", finish);
    lowerPriority(child.pid, request.niceness);
    child.stdin.end(request.input);
  });
  return { ended, kill: () => child.kill("SIGKILL") };
}

/**
 * Lowers a started tool's priority; a tool that already exited or a refusal changes nothing.
 * The tool leads a session of its own, which Linux may schedule as a group of its own
 * (autogroup) beside the bot's, whatever the tool's nice value: the group's is lowered too.
 * Linux refuses an unprivileged change of a group's within 100 ms of the last one anywhere;
 * such a tool keeps an equal share (the bot starts its tools from helpers, see ToolSpawner).
 */
export function lowerPriority(pid: number | undefined, niceness: number | undefined): void {
  if (pid === undefined || !niceness) return;
  try {
    setPriority(pid, Math.min(19, getPriority(pid) + niceness));
    writeFileSync(`/proc/${pid}/autogroup`, String(niceness));
  } catch {
    // The tool may have exited already (its priority no longer matters), or this isn't Linux.
  }
}

/** The in-process {@link ToolRunner}: `child_process.spawn`, no shell. */
export const spawnTool: ToolRunner = (request) => supervise(request, startLocally);

/**
 * Runs a tool's version command and throws unless it exits 0: a startup check, so a
 * missing or broken tool is reported before the first user needs it.
 */
export async function assertToolRuns(runner: ToolRunner, request: ToolRequest): Promise<void> {
  const result = await runner(request);
  if (result.exitCode !== 0) {
    throw new ToolError(
      "tool.failed",
      `${request.command} ${request.args.join(" ")} exited with ${result.exitCode}: ${result.stderr}`,
      { tool: request.command },
    );
  }
}
