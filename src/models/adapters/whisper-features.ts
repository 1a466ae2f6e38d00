/**
 * Whisper's log-mel features, computed in a worker thread (whisper-features-host.ts) by
 * `WhisperLogMel` (whisper-log-mel.ts): the numbers transformers.js's extractor gives, for
 * less. Even so a 30 s window is ~0.1 s of CPU, and on the main thread that is a stretch
 * during which the bot answers nobody: under load every chat reply waited behind voice notes.
 *
 * One worker serves the process, created on first use and `unref`ed (it never keeps the
 * process alive). Requests and replies carry the audio and the features as transferred
 * buffers, which the module-call threads of src/shared/thread-calls.ts would copy.
 */
import type { Worker } from "node:worker_threads";
import { siblingModule, startModuleWorker } from "../../shared/thread-calls.js";

export interface FeatureOutput {
  data: Float32Array;
  dims: number[];
}

/** A request to the feature thread: `key` names `config`, so its extractor is built once. */
export interface FeatureRequest {
  id: number;
  key: string;
  config: object;
  audio: Float32Array;
}

export type FeatureReply =
  { id: number; data: Float32Array; dims: number[] } | { id: number; error: string };

interface Pending {
  resolve(output: FeatureOutput): void;
  reject(error: Error): void;
}

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
      const request: FeatureRequest = { id, key: this.keyOf(config), config, audio: copy };
      worker.postMessage(request, [copy.buffer]);
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
    const worker = startModuleWorker(siblingModule(import.meta.url, "whisper-features-host"), {});
    worker.unref();
    worker.on("message", (reply: FeatureReply) => {
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
