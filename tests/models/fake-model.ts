/** A fake managed model whose loads and runs the test settles by hand. */
import type { LoadReport, ManagedModel, ModelTask } from "../../src/models/contract.js";

export const GB = 1024 ** 3;

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export interface FakeRun {
  input: string;
  signal: AbortSignal;
  done: Deferred<string>;
}

export interface FakeModelOptions {
  task?: ModelTask;
  fallback?: FakeModel;
  /** Bytes reported as measured by each load; none by default. */
  measuredBytes?: number;
  /** Loads resolve at once (default) or wait for {@link FakeModel.finishLoad}. */
  manualLoad?: boolean;
}

export class FakeModel implements ManagedModel<string, string> {
  readonly task: ModelTask;
  readonly device = "cuda" as const;
  readonly fallback: FakeModel | undefined;
  readonly loads: Deferred<LoadReport>[] = [];
  /** Runs in flight, oldest first. */
  readonly runs: FakeRun[] = [];
  /** Inputs of every run ever started, in order. */
  readonly started: string[] = [];
  unloads = 0;
  loaded = false;

  constructor(
    readonly id: string,
    readonly estimatedBytes: number,
    private readonly options: FakeModelOptions = {},
  ) {
    this.task = options.task ?? "chat";
    this.fallback = options.fallback;
  }

  load(): Promise<LoadReport> {
    const load = deferred<LoadReport>();
    this.loads.push(load);
    if (!this.options.manualLoad) load.resolve(this.report());
    return load.promise.then((report) => {
      this.loaded = true;
      return report;
    });
  }

  /** Completes the latest load. */
  finishLoad(report: Partial<LoadReport> = {}): void {
    this.loads.at(-1)?.resolve({ ...this.report(), ...report });
  }

  failLoad(error: unknown): void {
    this.loads.at(-1)?.reject(error);
  }

  async unload(): Promise<void> {
    this.unloads += 1;
    this.loaded = false;
  }

  run(input: string, signal: AbortSignal): Promise<string> {
    const done = deferred<string>();
    signal.addEventListener("abort", () => done.reject(signal.reason), { once: true });
    this.runs.push({ input, signal, done });
    this.started.push(input);
    return done.promise;
  }

  /** Completes the oldest run not yet completed, echoing its input. */
  finishRun(): void {
    const run = this.runs.shift();
    if (!run) throw new Error(`${this.id} has no run to finish`);
    run.done.resolve(`${this.id}:${run.input}`);
  }

  private report(): LoadReport {
    return {
      device: "cuda",
      ...(this.options.measuredBytes === undefined
        ? {}
        : { measuredBytes: this.options.measuredBytes }),
    };
  }
}
