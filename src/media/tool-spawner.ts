/**
 * Starts tools (ffmpeg, espeak-ng, tesseract) from small helper processes instead of the bot
 * itself. Starting a process forks the one that starts it, and a fork copies the parent's
 * page tables while its main thread waits: from the bot, with models loaded (600–800 MB
 * resident), one spawn took 100–200 ms of the main thread under load, twice per voice note,
 * while every other chat waited. A helper is a bare Node process of ~40 MB started once, so
 * its forks cost about a millisecond; tools' input and output travel over its IPC channel.
 * Timeouts and cancellation work as for a local spawn ({@link supervise}).
 */
import { spawn, type ChildProcess } from "node:child_process";
import {
  startLocally,
  supervise,
  type StartedTool,
  type ToolRequest,
  type ToolRunner,
} from "./audio-process.js";

/**
 * The helper: runs each requested tool with `startLocally`'s rules, reports how it ended.
 * Started with a niceness (its one argument), it lowers its own priority and its session's
 * scheduling group's before starting anything, and its tools inherit both.
 */
const HELPER_CODE = `
const { spawn } = require("node:child_process");
const { writeFileSync } = require("node:fs");
const { getPriority, setPriority } = require("node:os");
const niceness = Number(process.argv[1]);
if (niceness > 0) {
  try { setPriority(Math.min(19, getPriority() + niceness)); } catch {}
  try { writeFileSync("/proc/self/autogroup", String(niceness)); } catch {}
}
const children = new Map();
process.on("message", (message) => {
  if (message.kill !== undefined) return void children.get(message.kill)?.kill("SIGKILL");
  const { id, command, args, input, env } = message;
  const child = spawn(command, args, {
    stdio: ["pipe", "pipe", "pipe"],
    ...(env ? { env: { ...process.env, ...env } } : {}),
  });
  children.set(id, child);
  const stdout = [];
  let stderr = "";
  let spawnError;
  let settled = false;
  const finish = (exitCode) => {
    if (settled) return;
    settled = true;
    children.delete(id);
    process.send({ id, exitCode, stdout: Buffer.concat(stdout), stderr: stderr.trim(), spawnError });
  };
  child.stdout.on("data", (chunk) => stdout.push(chunk));
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => { stderr = (stderr + chunk).slice(-${4000}); });
  child.stdin.on("error", () => undefined);
  child.on("error", (error) => {
    spawnError ??= { code: error.code, message: error.message };
    if (child.pid === undefined) finish(null);
  });
  child.on("close", finish);
  child.stdin.end(input && Buffer.from(input.buffer, input.byteOffset, input.byteLength));
});
process.on("disconnect", () => {
  for (const child of children.values()) child.kill("SIGKILL");
  process.exit(0);
});`;

type Ended = Awaited<StartedTool["ended"]>;
interface Reply extends Omit<Ended, "stdout"> {
  id: number;
  stdout: Uint8Array;
}

/**
 * Starts tools in helper processes, one per niceness the requests ask for. A helper is a
 * session of its own (so a signal to the bot's process group spares the tools of jobs still
 * draining), and where Linux groups scheduling by session (autogroup, the default on Debian
 * and Ubuntu) a session shares the cores with the bot's as an equal, whatever its processes'
 * nice values: tesseract at nice 10 took half the cores from the bot's answers. A helper for
 * lowered priority therefore lowers its whole group's too.
 */
export class ToolSpawner {
  private readonly helpers = new Map<number, ToolHelper>();

  /** A {@link ToolRunner} that starts tools in the helpers. */
  readonly run: ToolRunner = (request) =>
    supervise(request, (started) => this.helperFor(started.niceness ?? 0).start(started));

  /** Stops the helpers (and any tool they still run). */
  close(): void {
    for (const helper of this.helpers.values()) helper.close();
    this.helpers.clear();
  }

  private helperFor(niceness: number): ToolHelper {
    let helper = this.helpers.get(niceness);
    if (!helper) {
      helper = new ToolHelper(niceness);
      this.helpers.set(niceness, helper);
    }
    return helper;
  }
}

/**
 * One helper process: started on first use and again if it dies, unreferenced while idle
 * (it never keeps the bot alive), and it kills its tools and exits when the bot goes away.
 */
class ToolHelper {
  private process: ChildProcess | undefined;
  private readonly pending = new Map<number, (ended: Ended) => void>();
  private nextId = 1;

  constructor(private readonly niceness: number) {}

  close(): void {
    const helper = this.process;
    this.process = undefined;
    if (helper?.connected) helper.disconnect();
  }

  start(request: ToolRequest): StartedTool {
    const helper = this.process ?? this.launch();
    // No helper (it could not start): fall back to starting the tool here.
    if (!helper) return startLocally(request);
    const id = this.nextId++;
    if (this.pending.size === 0) this.hold(helper, true);
    const ended = new Promise<Ended>((resolve) => this.pending.set(id, resolve));
    const { command, args, input, env } = request;
    helper.send({ id, command, args, input, env }, (error) => {
      if (error) this.settle(id, unstarted(error.message));
    });
    return { ended, kill: () => helper.connected && helper.send({ kill: id }) };
  }

  private launch(): ChildProcess | undefined {
    let helper: ChildProcess;
    try {
      helper = spawn(process.execPath, ["-e", HELPER_CODE, String(this.niceness)], {
        stdio: ["ignore", "ignore", "inherit", "ipc"],
        serialization: "advanced",
        // Its own session and process group, like a locally started tool: a signal to the
        // bot's group must not kill the tools of jobs still draining. It exits when the bot goes.
        detached: true,
      });
    } catch {
      return undefined;
    }
    helper.on("message", ({ id, stdout, ...rest }: Reply) => {
      this.settle(id, {
        ...rest,
        stdout: Buffer.from(stdout.buffer, stdout.byteOffset, stdout.length),
      });
    });
    const lost = (): void => {
      if (this.process === helper) this.process = undefined;
      for (const id of [...this.pending.keys()])
        this.settle(id, unstarted("the tool helper process ended"));
    };
    helper.on("exit", lost);
    helper.on("error", lost);
    this.hold(helper, false);
    this.process = helper;
    return helper;
  }

  private settle(id: number, ended: Ended): void {
    const resolve = this.pending.get(id);
    this.pending.delete(id);
    if (this.pending.size === 0 && this.process) this.hold(this.process, false);
    resolve?.(ended);
  }

  /** Referenced while tools run (an awaited result keeps the process alive), not while idle. */
  private hold(helper: ChildProcess, held: boolean): void {
    const channel = helper.channel as { ref(): void; unref(): void } | undefined;
    if (held) {
      helper.ref();
      channel?.ref();
    } else {
      helper.unref();
      channel?.unref();
    }
  }
}

/** How a tool ends that never started. */
function unstarted(message: string): Ended {
  return { exitCode: null, stdout: Buffer.alloc(0), stderr: "", spawnError: { message } };
}
