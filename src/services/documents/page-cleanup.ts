/**
 * The clean-up of a document's pages, each started as soon as the page is read, so that it
 * runs on the chat model while the OCR model reads the next pages. Cleaned up only after the
 * last page was read, a 25-page scan waited for 25 chat pieces in a row at its end (each one
 * a batch piece behind other people's questions): that wait now overlaps the reading.
 *
 * The pieces enter the chat model's line in page order, and one owner's pieces keep their
 * order there. A failed clean-up stops the others and the reading, and is the document's error.
 */
import type { RunOptions } from "../../models/contract.js";
import type { Clock } from "../../shared/clock.js";
import type { DetectedLanguage } from "./text.js";

/** The fields of a page result the clean-up reads and writes. */
export interface CleanablePage {
  text: string;
  rawText?: string;
  language: DetectedLanguage;
}

/** Cleans up recognized text with the chat model ("normalization"). */
export interface TextNormalizer {
  normalize(text: string, kind: "ocr" | "asr", lang: string, options?: RunOptions): Promise<string>;
}

export class PageCleanups {
  private readonly stop = new AbortController();
  private readonly jobs: RunOptions;
  private readonly running: Promise<void>[] = [];
  private failure: { error: unknown } | undefined;

  /** Without a normalizer pages are left as read. */
  constructor(
    private readonly normalizer: TextNormalizer | undefined,
    jobs: RunOptions,
    private readonly clock: Clock,
  ) {
    const signal = jobs.signal
      ? AbortSignal.any([jobs.signal, this.stop.signal])
      : this.stop.signal;
    this.jobs = { ...jobs, signal };
  }

  get enabled(): boolean {
    return this.normalizer !== undefined;
  }

  /** Starts cleaning up `page`; its `text` is replaced (and `rawText` kept) when done. */
  add(page: CleanablePage): void {
    if (!this.normalizer || page.text.length === 0 || this.failure) return;
    const raw = page.text;
    this.running.push(
      this.normalizer.normalize(raw, "ocr", page.language, this.jobs).then(
        (text) => {
          page.rawText = raw;
          page.text = text;
        },
        (error: unknown) => {
          this.failure ??= { error };
          this.stop.abort(error);
        },
      ),
    );
  }

  /** Throws the first failure, so that a document whose clean-up failed reads no more pages. */
  throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }

  /**
   * Waits for every page's clean-up; throws the first failure. Returns how long it waited:
   * the time the clean-up added after the last page was read.
   */
  async done(): Promise<number> {
    const started = this.clock.now();
    await Promise.all(this.running);
    this.throwIfFailed();
    return this.clock.now() - started;
  }

  /** Stops the clean-ups still waiting or running (the document failed) and waits for them. */
  async cancel(reason: unknown): Promise<void> {
    this.stop.abort(reason);
    await Promise.all(this.running);
  }
}
