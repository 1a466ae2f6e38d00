/**
 * Whisper's log-mel features, computed in a worker thread. transformers.js computes them in
 * JavaScript (an FFT per 10 ms frame of the window padded to 30 s): 0.1–0.7 s of CPU per
 * window, and on the main thread that is a stretch during which the bot answers nobody, which
 * under load made every chat reply wait behind voice notes. The worker runs the same
 * transformers.js feature extractor with the model's own configuration, so the features are
 * the same numbers; only the thread differs.
 *
 * One worker serves the process, created on first use and `unref`ed (it never keeps the
 * process alive); it loads its own copy of transformers.js once. Its code is plain JavaScript
 * evaluated from a string, so it needs no TypeScript loader, and it imports transformers.js
 * by the URL this module resolves, so it works from any working directory.
 */
import { Worker } from "node:worker_threads";

export interface FeatureOutput {
  data: Float32Array;
  dims: number[];
}

const WORKER_CODE = `
const { parentPort, workerData } = require("node:worker_threads");
const loaded = import(workerData.transformers);
const extractors = new Map();
parentPort.on("message", async ({ id, key, config, audio }) => {
  try {
    const { WhisperFeatureExtractor } = await loaded;
    let extractor = extractors.get(key);
    if (!extractor) extractors.set(key, (extractor = new WhisperFeatureExtractor(config)));
    const { input_features } = await extractor(audio);
    const data = input_features.data;
    parentPort.postMessage({ id, data, dims: input_features.dims }, [data.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.stack || error) });
  }
});`;

interface Pending {
  resolve(output: FeatureOutput): void;
  reject(error: Error): void;
}

type Reply = { id: number; data: Float32Array; dims: number[] } | { id: number; error: string };

/** The worker and the requests it owes an answer; see the module comment. */
export class WhisperFeatureWorker {
  /** Feature sets computed (for tests and diagnostics). */
  computed = 0;
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly keys = new WeakMap<object, string>();

  /**
   * The features of `audio` under the extractor `config` (the pipeline's
   * `processor.feature_extractor.config`). `audio` is copied, never detached.
   */
  compute(config: object, audio: Float32Array): Promise<FeatureOutput> {
    const worker = this.start();
    const id = this.nextId++;
    // A copy of the window alone: cloning a subarray would copy its whole recording.
    const copy = audio.slice();
    // Held while it owes answers, so an awaited request keeps the process alive.
    if (this.pending.size === 0) worker.ref();
    return new Promise<FeatureOutput>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, key: this.keyOf(config), config, audio: copy }, [copy.buffer]);
    });
  }

  /** Stops the worker; the next request starts a new one. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_CODE, {
      eval: true,
      workerData: { transformers: import.meta.resolve("@huggingface/transformers") },
    });
    worker.unref();
    worker.on("message", (reply: Reply) => {
      const pending = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (!pending) return;
      if ("error" in reply) {
        pending.reject(new Error(`Whisper feature extraction failed: ${reply.error}`));
        return;
      }
      this.computed++;
      pending.resolve({ data: reply.data, dims: reply.dims });
    });
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const pending of this.pending.values()) pending.reject(error);
      this.pending.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`the Whisper feature worker exited (${code})`)));
    this.worker = worker;
    return worker;
  }

  /** A key per extractor configuration, so the worker builds each extractor once. */
  private keyOf(config: object): string {
    let key = this.keys.get(config);
    if (!key) this.keys.set(config, (key = String(this.nextId++)));
    return key;
  }
}

/** The process's feature worker. */
export const whisperFeatures = new WhisperFeatureWorker();
