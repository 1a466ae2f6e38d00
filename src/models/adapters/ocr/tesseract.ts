/**
 * Tesseract as a managed OCR model. It reads with the native `tesseract` program when that is
 * installed with the languages ({@link NativeTesseract}, probed once in `load()`), else with
 * tesseract.js 7 (WebAssembly): a small pool of worker threads, created in `load()` and
 * terminated in `unload()`, so the model manager can budget and evict it like any other model.
 * OCR_ENGINE forces one or the other; the load report's note says which runs and why.
 *
 * Memory (`npm run bench:ocr`, rus+eng, 2 workers): +149 MB of RSS after load (~75 MB per
 * worker), +265 MB after reading 200 dpi A4 pages (~133 MB per worker): WebAssembly memory
 * grows to fit the largest image and is not returned until the thread ends. Hence
 * {@link TESSERACT_WORKER_BYTES}.
 */
import { availableParallelism } from "node:os";
import { createRequire } from "node:module";
import type { Logger } from "pino";
import Tesseract from "tesseract.js";
import type { LoadReport, ManagedModel } from "../../contract.js";
import { AppError, ModelError, cancelledError } from "../../../shared/errors.js";
import { linesToPage, type WordLine } from "./layout.js";
import { NativeTesseract, type NativeTesseractOptions } from "./native.js";
import { rereadSuspects, type ReadLines } from "./reread.js";
import { gatherTessdata, parseLangs, type TessdataOptions } from "./tessdata.js";
import { paragraphsToText, type OcrEngine, type OcrInput, type OcrResult } from "./types.js";

/** Resident bytes one worker holds once it has read a full page (see the module comment). */
export const TESSERACT_WORKER_BYTES = 140 * 1024 * 1024;

export interface TesseractOcrOptions extends Omit<TessdataOptions, "dataDir"> {
  /** The app's data folder (DATA_DIR); language data is gathered under it. */
  dataDir: string;
  /** Languages loaded into every worker, "rus+eng" style (OCR_LANGS). Default "rus+eng". */
  langs?: string | readonly string[];
  /** Worker threads (OCR_WORKERS). Default min(2, CPU cores). */
  workers?: number;
  /** OCR_ENGINE: "auto" (default) uses the native program when it works, "js" never does. */
  engine?: OcrEngineChoice;
  /** How the native program is found and started (program name, tool runner). */
  native?: NativeTesseractOptions;
  /** Model id for the manager. Default "ocr". */
  id?: string;
  logger: Logger;
}

export type OcrEngineChoice = "auto" | "native" | "js";

const TESSERACT_CONFIG = { user_defined_dpi: "300" } as Partial<Tesseract.InitOptions>;

interface Slot {
  worker: Tesseract.Worker;
  /** The "rus+eng" string the worker is initialized with. */
  langs: string;
}

const VERSION = (createRequire(import.meta.url)("tesseract.js/package.json") as { version: string })
  .version;

/** The default OCR engine: tesseract.js with Russian and English, CPU only. */
export class TesseractOcr implements ManagedModel<OcrInput, OcrResult>, OcrEngine {
  readonly id: string;
  readonly task = "ocr" as const;
  readonly device = "cpu" as const;
  readonly estimatedBytes: number;
  /** Languages every worker is loaded with. */
  readonly langs: readonly string[];

  private readonly choice: OcrEngineChoice;
  private readonly nativeEngine: NativeTesseract;
  /** Set while loaded on the native program; undefined: tesseract.js. */
  private native: NativeTesseract | undefined;

  private readonly size: number;
  private langPath: string | undefined;
  /** Workers that exist, busy or idle. */
  private readonly slots = new Set<Slot>();
  private readonly idle: Slot[] = [];
  private readonly waiters: Array<{
    resolve: (slot: Slot) => void;
    reject: (error: unknown) => void;
  }> = [];
  private creating = 0;

  constructor(private readonly options: TesseractOcrOptions) {
    this.id = options.id ?? "ocr";
    this.langs = parseLangs(options.langs ?? "rus+eng");
    this.size = Math.max(1, Math.floor(options.workers ?? Math.min(2, availableParallelism())));
    this.estimatedBytes = this.size * TESSERACT_WORKER_BYTES;
    this.choice = options.engine ?? "auto";
    this.nativeEngine = new NativeTesseract(options.native);
  }

  /** The engine reading now, e.g. "tesseract 5.3.0 (native)" or "tesseract.js 7.0.0". */
  get engine(): string {
    return this.native?.engine ?? `tesseract.js ${VERSION}`;
  }

  /** For /status. */
  get label(): string {
    return this.engine;
  }

  /** Probes the native program (unless OCR_ENGINE=js), else starts the tesseract.js pool. */
  async load(signal?: AbortSignal): Promise<LoadReport> {
    const langs = this.langs.join("+");
    let nativeProblem = "OCR_ENGINE=js";
    if (this.choice !== "js") {
      try {
        await this.nativeEngine.probe(this.langs, signal);
        this.native = this.nativeEngine;
        this.options.logger.info({ engine: this.engine, langs }, "OCR reads with native tesseract");
        return { device: "cpu", note: `${this.engine}, ${this.size} job(s), ${langs}` };
      } catch (error) {
        if (signal?.aborted) throw cancelledError(signal.reason);
        if (this.choice === "native") {
          throw new ModelError(
            "model.load_failed",
            `OCR_ENGINE=native but ${describe(error)}`,
            {},
            { cause: error },
          );
        }
        nativeProblem = `native unusable: ${describe(error)}`;
      }
    }
    const report = await this.loadJs(signal);
    this.options.logger.info(
      { engine: this.engine, langs, reason: nativeProblem },
      "OCR reads with tesseract.js",
    );
    return { ...report, note: `${this.engine}, ${report.note} (${nativeProblem})` };
  }

  /** Gathers the language data and starts the worker pool. */
  private async loadJs(signal?: AbortSignal): Promise<LoadReport> {
    this.langPath = await gatherTessdata(this.langs, this.options).catch((error: unknown) => {
      if (error instanceof AppError) throw error;
      throw new ModelError(
        "model.load_failed",
        `OCR language data could not be prepared in ${this.options.dataDir}: ${describe(error)}`,
        {},
        { cause: error },
      );
    });
    if (signal?.aborted) throw cancelledError(signal.reason);
    try {
      const started = await Promise.all(
        Array.from({ length: this.size }, () => this.createSlot(this.langs.join("+"))),
      );
      for (const slot of started) this.idle.push(slot);
    } catch (error) {
      await this.unload();
      throw error;
    }
    return { device: "cpu", note: `${this.size} worker(s), ${this.langs.join("+")}` };
  }

  /** Terminates every worker; jobs still waiting for one fail with "model.shutting_down". */
  async unload(): Promise<void> {
    this.native = undefined;
    for (const waiter of this.waiters.splice(0)) {
      waiter.reject(new ModelError("model.shutting_down", "the OCR model was unloaded"));
    }
    this.langPath = undefined;
    const slots = [...this.slots];
    this.slots.clear();
    this.idle.length = 0;
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  run(input: OcrInput, signal: AbortSignal): Promise<OcrResult> {
    return this.recognize(input.image, input.langs, signal);
  }

  async recognize(
    image: Uint8Array,
    langs: readonly string[] | undefined,
    signal: AbortSignal,
  ): Promise<OcrResult> {
    const wanted = this.checkLangs(langs);
    const native = this.native;
    const read: ReadLines = native
      ? (png, readLangs, abort) => native.read(png, readLangs, abort)
      : (png, readLangs, abort) => this.readJs(png, readLangs, abort);
    const lines = await read(image, wanted, signal);
    const checked = await rereadSuspects(image, lines, wanted.split("+"), read, signal);
    const { paragraphs, confidence } = linesToPage(checked);
    return {
      text: paragraphsToText(paragraphs),
      confidence,
      paragraphs,
      engine: this.engine,
      langs: wanted.split("+"),
    };
  }

  /** Reads with a tesseract.js worker, switching its languages first when they differ. */
  private async readJs(image: Uint8Array, langs: string, signal: AbortSignal): Promise<WordLine[]> {
    const slot = await this.acquire(signal);
    let healthy = true;
    try {
      if (slot.langs !== langs) {
        await slot.worker.reinitialize(langs, Tesseract.OEM.LSTM_ONLY, TESSERACT_CONFIG);
        slot.langs = langs;
      }
      // Checked before starting: tesseract.js posts the job a tick after recognize() is called,
      // and terminating the worker in between makes it throw where nothing can catch it.
      if (signal.aborted) throw cancelledError(signal.reason);
      const job = slot.worker.recognize(
        Buffer.from(image.buffer, image.byteOffset, image.byteLength),
        {},
        {
          text: false,
          blocks: true,
        },
      );
      const { data } = await abortable(job, signal, () => {
        // tesseract.js can't cancel a job: stop the thread so it doesn't burn a core for nothing.
        healthy = false;
        this.discard(slot);
      });
      return (data.blocks ?? []).flatMap((block, b) =>
        block.paragraphs
          .flatMap((paragraph) => paragraph.lines)
          .map((line) => ({
            block: String(b),
            words: line.words.map((word) => ({
              ...word.bbox,
              text: word.text,
              confidence: word.confidence,
            })),
            top: line.bbox.y0,
            bottom: line.bbox.y1,
            rowHeight: line.rowAttributes.rowHeight,
          })),
      );
    } catch (error) {
      if (error instanceof AppError) throw error;
      healthy = false;
      this.discard(slot);
      throw new ModelError(
        "model.failed",
        `tesseract failed: ${describe(error)}`,
        {},
        { cause: error },
      );
    } finally {
      if (healthy) this.release(slot);
    }
  }

  private checkLangs(langs: readonly string[] | undefined): string {
    if (langs === undefined || langs.length === 0) return this.langs.join("+");
    const unknown = langs.filter((lang) => !this.langs.includes(lang));
    if (unknown.length > 0) {
      throw new ModelError(
        "model.missing",
        `OCR languages ${unknown.join(", ")} are not loaded (configured: ${this.langs.join("+")})`,
        { langs: unknown.join("+") },
      );
    }
    return langs.join("+");
  }

  private async acquire(signal: AbortSignal): Promise<Slot> {
    if (signal.aborted) throw cancelledError(signal.reason);
    if (this.langPath === undefined) {
      throw new ModelError("model.load_failed", "the OCR model is not loaded");
    }
    const ready = this.idle.pop();
    if (ready) return ready;
    // A worker discarded after a cancel is replaced on demand.
    if (this.slots.size + this.creating < this.size) {
      this.creating++;
      try {
        return await this.createSlot(this.langs.join("+"));
      } finally {
        this.creating--;
      }
    }
    return new Promise<Slot>((resolve, reject) => {
      const waiter = {
        resolve: (slot: Slot) => {
          signal.removeEventListener("abort", onAbort);
          resolve(slot);
        },
        reject,
      };
      const onAbort = () => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(cancelledError(signal.reason));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private release(slot: Slot): void {
    if (!this.slots.has(slot)) return;
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(slot);
    else this.idle.push(slot);
  }

  private discard(slot: Slot): void {
    this.slots.delete(slot);
    // A macrotask later, so a job tesseract.js is about to post still finds its thread.
    setImmediate(() => {
      slot.worker
        .terminate()
        .catch((error: unknown) =>
          this.options.logger.debug({ err: error }, "tesseract worker did not terminate cleanly"),
        );
    });
    // Someone waiting gets a fresh worker instead of the one that was thrown away.
    const waiter = this.waiters.shift();
    if (waiter) {
      this.creating++;
      this.createSlot(this.langs.join("+"))
        .then(waiter.resolve, waiter.reject)
        .finally(() => this.creating--);
    }
  }

  private async createSlot(langs: string): Promise<Slot> {
    const { logger } = this.options;
    // tesseract.js never settles createWorker when initialization fails; its errorHandler
    // is the only place the failure shows up, so it rejects the start here.
    let failStart: (error: unknown) => void = () => {};
    const failed = new Promise<never>((_, reject) => (failStart = reject));
    const worker = await Promise.race([
      Tesseract.createWorker(
        langs,
        Tesseract.OEM.LSTM_ONLY,
        {
          langPath: this.langPath,
          gzip: false,
          cacheMethod: "none",
          logger: () => {},
          errorHandler: (error: unknown) => {
            logger.debug({ err: error }, "tesseract worker error");
            failStart(error);
          },
        },
        // Intake scales text to a normal size but PNGs carry no resolution: without this,
        // tesseract guesses from the pixel size and prints a warning for every small image.
        TESSERACT_CONFIG,
      ),
      failed,
    ]).catch((error: unknown) => {
      throw new ModelError(
        "model.load_failed",
        `tesseract could not start with ${langs}: ${describe(error)}`,
        { langs },
        { cause: error },
      );
    });
    const slot = { worker, langs };
    this.slots.add(slot);
    return slot;
  }
}

/** Resolves with `work`, or rejects with "job.cancelled" as soon as `signal` aborts. */
function abortable<T>(work: Promise<T>, signal: AbortSignal, onAbort: () => void): Promise<T> {
  if (signal.aborted) {
    onAbort();
    return Promise.reject(cancelledError(signal.reason));
  }
  return new Promise<T>((resolve, reject) => {
    const listener = () => {
      onAbort();
      reject(cancelledError(signal.reason));
    };
    signal.addEventListener("abort", listener, { once: true });
    const done = () => signal.removeEventListener("abort", listener);
    work.then(
      (value) => {
        done();
        resolve(value);
      },
      (error: unknown) => {
        done();
        reject(error);
      },
    );
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
