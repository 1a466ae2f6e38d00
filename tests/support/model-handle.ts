import type {
  JobEvent,
  ManagedModel,
  ModelHandle,
  RunOptions,
  Scheduling,
} from "../../src/models/contract.js";

/**
 * A handle straight onto a model, without a manager: loads the model on first use (once),
 * then calls `run`. For tests of services that take a `ModelHandle`.
 */
export class DirectHandle<In, Out> implements ModelHandle<In, Out> {
  readonly id: string;
  /** Every job event emitted, in order. */
  readonly events: JobEvent[] = [];
  private loading: Promise<unknown> | undefined;

  constructor(readonly model: ManagedModel<In, Out>) {
    this.id = model.id;
  }

  async run(input: In, options: RunOptions = {}): Promise<Out> {
    const emit = (event: JobEvent) => {
      this.events.push(event);
      options.onEvent?.(event);
    };
    if (!this.loading) {
      emit({ type: "loading", modelId: this.id, fallback: false });
      this.loading = this.model.load(options.signal).catch((error: unknown) => {
        this.loading = undefined;
        throw error;
      });
    }
    await this.loading;
    emit({ type: "running", modelId: this.id });
    return this.model.run(input, options.signal ?? new AbortController().signal);
  }

  /** Unloads the model if it was loaded. */
  async dispose(): Promise<void> {
    if (!this.loading) return;
    await this.loading.catch(() => undefined);
    this.loading = undefined;
    await this.model.unload();
  }
}

/** One job a {@link RecordingHandle} passed on: its input and the options it came with. */
export interface RecordedRun<In> {
  input: In;
  options: RunOptions;
}

/**
 * Wraps a handle and records every job with its options: what a service asks of the model's
 * line (owner, class, signal), not only what it sends the model.
 */
export class RecordingHandle<In, Out> implements ModelHandle<In, Out> {
  readonly id: string;
  readonly runs: RecordedRun<In>[] = [];

  constructor(private readonly inner: ModelHandle<In, Out>) {
    this.id = inner.id;
  }

  run(input: In, options: RunOptions = {}): Promise<Out> {
    this.runs.push({ input, options });
    return this.inner.run(input, options);
  }

  /** Each job's owner and class, in order. */
  scheduling(): Scheduling[] {
    return this.runs.map(({ options }) => ({ owner: options.owner, workClass: options.workClass }));
  }
}
