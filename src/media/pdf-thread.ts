/**
 * PDFs read in a worker thread. pdf.js runs in Node without a worker of its own, so parsing a
 * document and drawing a scanned page (decoding its image, painting the canvas) happen on the
 * thread that asks: under bench:load, 20 people sending 25-page scans took about a tenth of
 * the main thread, the thread every chat answer and Telegram update waits for. In its own
 * thread, at a lower CPU priority, a long PDF slows only itself.
 *
 * One thread serves the process, started on first use; documents stay open there until
 * closed. A thread that dies fails what it owed and the next document starts a new one.
 */
import { ThreadCalls, siblingModule } from "../shared/thread-calls.js";
import type { PdfThreadApi } from "./pdf-thread-host.js";
import type { PdfOpenOptions, RenderedPage, RenderOptions } from "./pdf.js";

/** An open PDF; {@link PdfDocument.close} releases it. */
export interface PdfDocument {
  readonly pages: number;
  /** The page's text layer (1-based page number), lines and paragraph breaks kept. */
  pageText(page: number): Promise<string>;
  /** The page (1-based) rendered to a grayscale PNG. */
  renderPage(page: number, options?: RenderOptions): Promise<RenderedPage>;
  close(): Promise<void>;
}

/** Reads PDFs in a worker thread; see the module comment. */
export class PdfReader {
  // Rendering pages is batch work beside the main thread's answers: it yields the cores.
  private readonly thread = new ThreadCalls<PdfThreadApi>(
    siblingModule(import.meta.url, "pdf-thread-host"),
    "PDF reader",
    { background: true },
  );
  private nextId = 1;

  /** Opens a PDF, with {@link PdfFile.open}'s errors ("pdf.corrupt", "pdf.encrypted", ...). */
  async open(bytes: Uint8Array, options: PdfOpenOptions = {}): Promise<PdfDocument> {
    // The id is given here, where it is never reused: a restarted thread must not take a
    // document opened in the thread before it for another one.
    const id = this.nextId++;
    const pages = await this.thread.call("open", id, bytes, options);
    const thread = this.thread;
    return {
      pages,
      pageText: (page) => thread.call("pageText", id, page),
      async renderPage(page, renderOptions = {}) {
        const rendered = await thread.call("renderPage", id, page, renderOptions);
        // A Buffer arrives from another thread as a plain Uint8Array.
        const { buffer, byteOffset, byteLength } = rendered.png;
        return { ...rendered, png: Buffer.from(buffer, byteOffset, byteLength) };
      },
      close: () => thread.call("close", id),
    };
  }

  /** Ends the thread and everything open in it. */
  close(): Promise<void> {
    return this.thread.close();
  }
}

/** The process's PDF reader. */
export const pdfReader = new PdfReader();
