/**
 * A private Redis for tests: `redis-server` on a free loopback port, no persistence, run
 * as a child (never daemonized, so it can't outlive the test process). `stop()` and
 * `start()` again on the same port stand for Redis going away and coming back.
 */
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";

const START_TIMEOUT_MS = 20_000;

/** Every live server, killed when the test process exits whatever happened. */
const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export class RedisServer {
  private child: ChildProcess | undefined;
  private output = "";

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.start();
    return server;
  }

  /** Starts (again) on the same port; resolves once it accepts connections. */
  async start(): Promise<void> {
    const child = spawn(
      "redis-server",
      ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    live.add(child);
    this.child = child;
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`redis-server did not start:\n${this.output}`)),
        START_TIMEOUT_MS,
      );
      const onData = (chunk: Buffer) => {
        this.output += chunk.toString();
        if (this.output.includes("Ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.on("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on("exit", (code) => {
        live.delete(child);
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}):\n${this.output}`));
      });
    });
    await ready;
  }

  /** Kills the server (SIGKILL: its data is gone, as with a crash without persistence). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    this.output = "";
  }
}
