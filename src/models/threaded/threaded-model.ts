/**
 * A model that runs in a worker thread of its own, behind the same {@link ManagedModel}
 * contract: the manager loads, runs and unloads it as any other. onnxruntime-node runs an
 * inference synchronously on the thread that asks for it, so a model on the main thread
 * stops everything else there (chat answers, Telegram, the HTTP API) for the whole
 * inference. In its thread the model blocks only itself.
 *
 * The thread starts on `load()` and ends on `unload()`, so an unloaded model holds nothing:
 * its isolate, its copy of the ML library and its sessions go with the thread. A thread that
 * dies fails the work it held with `model.failed`; the next run starts a new one.
 */
import type { Worker } from "node:worker_threads";
import type { Logger } from "pino";
import { fromErrorRecord, ModelError, cancelledError } from "../../shared/errors.js";
import { siblingModule, startModuleWorker } from "../../shared/thread-calls.js";
import type { ComputeDevice, LoadReport, ManagedModel, ModelTask } from "../contract.js";
import type { FromThread, ThreadRecipe, ToThread } from "./protocol.js";

const HOST_URL = siblingModule(import.meta.url, "host");

/**
 * What a thread holds beyond the model: its isolate and its own copies of the adapters' ML
 * libraries (measured: six fixture models loaded in threads took 1,125 MB more RSS than in
 * this thread, ~190 MB each). Counted in the estimate so the budget stays true.
 */
export const THREAD_BYTES = 190 * 2 ** 20;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  callbacks?: Record<string, Callback>;
}

export class ThreadedModel<In = unknown, Out = unknown> implements ManagedModel<In, Out> {
  readonly id: string;
  readonly task: ModelTask;
  readonly device: ComputeDevice;
  readonly estimatedBytes: number;
  readonly label?: string;
  readonly fallback?: ManagedModel<In, Out>;
  private worker: Worker | undefined;
  private reload: Promise<void> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  /**
   * `model`: the same model built in this thread, for what the manager reads before loading
   * (id, device, size, label); its fallback chain is threaded too. `id`: the manager's key,
   * when it isn't the model's own (a copy of the model for batch pieces).
   */
  constructor(
    model: ManagedModel<In, Out>,
    private readonly recipe: ThreadRecipe,
    private readonly logger: Logger,
    id = model.id,
  ) {
    this.id = id;
    this.task = model.task;
    this.device = model.device;
    this.estimatedBytes = model.estimatedBytes + THREAD_BYTES;
    if (model.label !== undefined) this.label = model.label;
    if (model.fallback)
      this.fallback = new ThreadedModel(
        model.fallback,
        { ...recipe, depth: recipe.depth + 1 },
        logger,
      );
  }

  async load(signal?: AbortSignal): Promise<LoadReport> {
    const worker = this.start();
    const onAbort = () => {
      this.stop(worker).catch((error: unknown) =>
        this.logger.warn({ model: this.id, err: error }, "stopping a model's thread failed"),
      );
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const report = (await this.call(worker, { type: "load" })) as LoadReport;
      if (signal?.aborted) throw cancelledError(signal.reason);
      return report;
    } catch (error) {
      await this.stop(worker);
      throw signal?.aborted ? cancelledError(signal.reason) : error;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  async unload(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    try {
      await this.call(worker, { type: "unload" });
    } finally {
      await this.stop(worker);
    }
  }

  async run(input: In, signal: AbortSignal): Promise<Out> {
    if (signal.aborted) throw cancelledError(signal.reason);
    const worker = await this.alive();
    const { data, callbacks } = splitCallbacks(input);
    const id = this.nextId++;
    const onAbort = () => worker.postMessage({ type: "cancel", id } satisfies ToThread);
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      return (await this.call(
        worker,
        { type: "run", input: data, callbacks: Object.keys(callbacks) },
        callbacks,
        id,
      )) as Out;
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  /** The thread, started again and loaded when the one the model had died. */
  private async alive(): Promise<Worker> {
    if (this.worker) return this.worker;
    this.reload ??= (async () => {
      this.logger.warn({ model: this.id }, "the model's thread had died: starting a new one");
      await this.call(this.start(), { type: "load" });
    })().finally(() => (this.reload = undefined));
    await this.reload;
    return this.worker!;
  }

  private start(): Worker {
    // A background thread yields the cores to the main thread, like OCR pages; a foreground
    // one keeps the main thread's priority (see ThreadPriority).
    const worker = startModuleWorker(
      HOST_URL,
      { recipe: this.recipe },
      { background: this.recipe.priority === "background" },
    );
    // Idle, the thread does not keep the process alive; work it owes an answer does.
    worker.unref();
    worker.on("message", (message: FromThread) => this.receive(message));
    const died = (error: Error) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.logger.error({ model: this.id, err: error }, "a model's thread died");
      this.failAll(
        new ModelError("model.failed", `the ${this.id} model's thread died: ${error.message}`),
      );
    };
    worker.on("error", died);
    worker.on("exit", (code) => died(new Error(`it exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private async stop(worker: Worker): Promise<void> {
    if (this.worker === worker) this.worker = undefined;
    this.failAll(new ModelError("model.failed", `the ${this.id} model was unloaded`));
    await worker.terminate();
  }

  private call(
    worker: Worker,
    request: { type: "load" } | { type: "unload" } | Omit<Extract<ToThread, { type: "run" }>, "id">,
    callbacks?: Pending["callbacks"],
    id = this.nextId++,
  ): Promise<unknown> {
    if (this.pending.size === 0) worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, ...(callbacks ? { callbacks } : {}) });
      worker.postMessage({ ...request, id } as ToThread);
    });
  }

  private receive(message: FromThread): void {
    const pending = this.pending.get(message.id);
    if (!pending) return;
    if (message.type === "callback") {
      try {
        pending.callbacks?.[message.name]?.(...message.args);
      } catch (error) {
        // In this thread a throwing callback would end the run; here it must not end the bot.
        this.logger.warn({ model: this.id, err: error }, `a job's ${message.name} callback failed`);
      }
      return;
    }
    this.pending.delete(message.id);
    if (this.pending.size === 0) this.worker?.unref();
    if (message.type === "done") pending.resolve(message.value);
    else pending.reject(fromErrorRecord(message.error));
  }

  private failAll(error: Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const { reject } of pending) reject(error);
  }
}

type Callback = (...args: unknown[]) => unknown;

/**
 * A typed array that is a view of a larger buffer, copied into a buffer of its own: a message
 * copies a view's whole buffer, and a Whisper window or a VAD piece is a view of the whole
 * recording (a 30 s window of a 10-minute note would carry all 38 MB). Other values as they are.
 */
export function ownBuffer(value: unknown): unknown {
  if (!ArrayBuffer.isView(value) || value instanceof DataView) return value;
  const view = value as Float32Array;
  return view.byteLength < view.buffer.byteLength ? view.slice() : view;
}

/** A request's function fields apart from its data (a string or an array crosses as it is). */
function splitCallbacks(input: unknown): { data: unknown; callbacks: Record<string, Callback> } {
  const callbacks: Record<string, Callback> = {};
  if (
    typeof input !== "object" ||
    input === null ||
    Array.isArray(input) ||
    ArrayBuffer.isView(input)
  )
    return { data: input, callbacks };
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input))
    if (typeof value === "function") callbacks[key] = value as Callback;
    else data[key] = ownBuffer(value);
  return { data, callbacks };
}
