/**
 * Worker threads that run one of this project's modules, and calls into them answered by
 * promise. A module moved to a thread keeps its own work off the main thread, where every
 * Telegram update and HTTP request is served.
 *
 * The app runs from source under tsx, whose loader hooks do not reach worker threads, so a
 * thread starts from a small bootstrap that registers the loader when the module is a .ts
 * file and then imports it.
 *
 * A background thread lowers its CPU priority in that bootstrap, before anything else runs
 * in it: the threads it starts inherit the priority, the loader's among them, which compiles
 * the thread's modules (1.2 s of CPU for the PDF reader's, measured), and so does the loading
 * of its modules. Lowered later, by the module itself, both ran at the bot's priority, beside
 * the chat answers of a crowd, whenever a model loaded or the first PDF came in.
 */
import { parentPort, Worker } from "node:worker_threads";
import { fromErrorRecord, toErrorRecord, type ErrorRecord } from "./errors.js";
import { BACKGROUND_NICENESS } from "./priority.js";

const BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
if (workerData.niceness > 0) {
  try {
    require("node:os").setPriority(workerData.niceness);
  } catch {
    // Not permitted here (some containers): the thread keeps the process's priority.
  }
}
(async () => {
  if (workerData.host.endsWith(".ts")) (await import(workerData.tsx)).register();
  await import(workerData.host);
})().catch((error) => {
  process.nextTick(() => { throw error; });
});`;

/** The URL of module `name` beside the module at `base`, as .ts from source and .js when built. */
export function siblingModule(base: string, name: string): string {
  return new URL(`./${name}${base.endsWith(".ts") ? ".ts" : ".js"}`, base).href;
}

export interface ModuleWorkerOptions {
  /**
   * Background work (pages to render, batch pieces): the thread and every thread it starts
   * run at {@link BACKGROUND_NICENESS}, yielding the cores to the main thread. Otherwise they
   * run at the priority of the thread that starts them.
   */
  background?: boolean;
}

/** Starts a thread running the module at `hostUrl`; `data` is its `workerData`. */
export function startModuleWorker(
  hostUrl: string,
  data: Record<string, unknown>,
  options: ModuleWorkerOptions = {},
): Worker {
  return new Worker(BOOTSTRAP, {
    eval: true,
    workerData: {
      ...data,
      host: hostUrl,
      tsx: import.meta.resolve("tsx/esm/api"),
      niceness: options.background ? BACKGROUND_NICENESS : 0,
    },
  });
}

/** The functions a thread serves; each takes and returns what structured clone copies. */
export type ThreadApi = Record<string, (...args: never[]) => Promise<unknown>>;

interface Call {
  id: number;
  method: string;
  args: unknown[];
}

type Reply = { id: number; value: unknown } | { id: number; error: ErrorRecord };

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * Calls into a thread that serves `Api` with {@link serveThreadCalls}. The thread starts on
 * the first call and starts again on the next call after it died; it keeps the process alive
 * only while it owes an answer. An error thrown there arrives as the same kind of error (an
 * `InputError` keeps its code and details).
 */
export class ThreadCalls<Api extends ThreadApi> {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  /** `name` says what the thread is, in the error its death gives the calls it owed. */
  constructor(
    private readonly hostUrl: string,
    private readonly name: string,
    private readonly options: ModuleWorkerOptions = {},
  ) {}

  call<Method extends keyof Api & string>(
    method: Method,
    ...args: Parameters<Api[Method]>
  ): Promise<Awaited<ReturnType<Api[Method]>>> {
    const worker = this.start();
    const id = this.nextId++;
    if (this.pending.size === 0) worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as Pending["resolve"], reject });
      worker.postMessage({ id, method, args } satisfies Call);
    });
  }

  /** Ends the thread; calls it owed fail, the next call starts a new one. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.fail(worker, new Error(`the ${this.name} thread was closed`));
    // Unref'd (nothing owed), the process may end before the thread's exit is waited for.
    worker.ref();
    await worker.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = startModuleWorker(this.hostUrl, {}, this.options);
    worker.unref();
    worker.on("message", (reply: Reply) => {
      // A closed or failed thread's late reply: its calls have failed already.
      if (this.worker !== worker) return;
      const pending = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (!pending) return;
      if ("error" in reply) pending.reject(fromErrorRecord(reply.error));
      else pending.resolve(reply.value);
    });
    worker.on("error", (error) => this.fail(worker, error));
    worker.on("exit", (code) =>
      this.fail(worker, new Error(`the ${this.name} thread exited with code ${code}`)),
    );
    this.worker = worker;
    return worker;
  }

  private fail(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    const owed = [...this.pending.values()];
    this.pending.clear();
    for (const pending of owed) pending.reject(error);
  }
}

/** Serves `api` to the thread's parent: the host side of {@link ThreadCalls}. */
export function serveThreadCalls(api: ThreadApi): void {
  const port = parentPort;
  if (!port) throw new Error("serveThreadCalls runs in a worker thread");
  const send = (reply: Reply) => {
    try {
      port.postMessage(reply);
    } catch (error) {
      // A value structured clone can't copy is the host's bug: the call fails, the thread lives.
      port.postMessage({ id: reply.id, error: toErrorRecord(error) } satisfies Reply);
    }
  };
  port.on("message", ({ id, method, args }: Call) => {
    const serve = Object.hasOwn(api, method)
      ? (api[method] as (...args: unknown[]) => Promise<unknown>)
      : undefined;
    Promise.resolve()
      .then(() => {
        if (!serve) throw new Error(`no such call: ${method}`);
        return serve(...args);
      })
      .then(
        (value) => send({ id, value }),
        (error: unknown) => send({ id, error: toErrorRecord(error) }),
      );
  });
}
