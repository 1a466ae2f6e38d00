/**
 * Starts tools (ffmpeg, espeak-ng) from a small helper process instead of the bot itself.
 * Starting a process forks the one that starts it, and a fork copies the parent's page
 * tables while its main thread waits: from the bot, with models loaded (600–800 MB
 * resident), one spawn took 100–200 ms of the main thread under load, twice per voice note,
 * while every other chat waited. The helper is a bare Node process of ~40 MB started once,
 * so its forks cost about a millisecond; tools' input and output travel over its IPC channel.
 *
 * The helper starts on first use and is restarted if it dies; it is unreferenced while idle
 * (it never keeps the bot alive), and kills its tools and exits when the bot goes away.
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

/** The helper: runs each requested tool with `startLocally`'s rules, reports how it ended. */
const HELPER_CODE = `
const { spawn } = require("node:child_process");
const { getPriority, setPriority } = require("node:os");
const children = new Map();
process.on("message", (message) => {
  if (message.kill !== undefined) return void children.get(message.kill)?.kill("SIGKILL");
  const { id, command, args, input, env, niceness } = message;
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
  if (niceness && child.pid !== undefined) {
    try { setPriority(child.pid, Math.min(19, getPriority(child.pid) + niceness)); } catch {}
  }
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

export class ToolSpawner {
  private helper: ChildProcess | undefined;
  private readonly pending = new Map<number, (ended: Ended) => void>();
  private nextId = 1;

  /** A {@link ToolRunner} that starts tools in the helper. */
  readonly run: ToolRunner = (request) => supervise(request, (r) => this.start(r));

  /** Stops the helper (and any tool it still runs). */
  close(): void {
    const helper = this.helper;
    this.helper = undefined;
    if (helper?.connected) helper.disconnect();
  }

  private start(request: ToolRequest): StartedTool {
    const helper = this.helper ?? this.launch();
    // No helper (it could not start): fall back to starting the tool here.
    if (!helper) return startLocally(request);
    const id = this.nextId++;
    if (this.pending.size === 0) this.hold(helper, true);
    const ended = new Promise<Ended>((resolve) => this.pending.set(id, resolve));
    const { command, args, input, env, niceness } = request;
    helper.send({ id, command, args, input, env, niceness }, (error) => {
      if (error) this.settle(id, unstarted(error.message));
    });
    return { ended, kill: () => helper.connected && helper.send({ kill: id }) };
  }

  private launch(): ChildProcess | undefined {
    let helper: ChildProcess;
    try {
      helper = spawn(process.execPath, ["-e", HELPER_CODE], {
        stdio: ["ignore", "ignore", "inherit", "ipc"],
        serialization: "advanced",
        // Its own process group, like a locally started tool: a signal to the bot's group
        // must not kill the tools of jobs still draining. It exits when the bot goes.
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
      if (this.helper === helper) this.helper = undefined;
      for (const id of [...this.pending.keys()])
        this.settle(id, unstarted("the tool helper process ended"));
    };
    helper.on("exit", lost);
    helper.on("error", lost);
    this.hold(helper, false);
    this.helper = helper;
    return helper;
  }

  private settle(id: number, ended: Ended): void {
    const resolve = this.pending.get(id);
    this.pending.delete(id);
    if (this.pending.size === 0 && this.helper) this.hold(this.helper, false);
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
