/**
 * The PDF reader thread's side (see pdf-thread.ts): holds the documents it opened, by id,
 * and answers calls on them with {@link PdfFile}.
 */
import { isMainThread } from "node:worker_threads";
import { InputError } from "../shared/errors.js";
import { serveThreadCalls } from "../shared/thread-calls.js";
import { PdfFile, type PdfOpenOptions, type RenderOptions } from "./pdf.js";

/** Open documents by the id their caller gave them (a restarted thread never reuses one). */
const documents = new Map<number, PdfFile>();

function document(id: number): PdfFile {
  const pdf = documents.get(id);
  // Only a thread that died and started again forgets a document its caller still holds.
  if (!pdf) throw new InputError("pdf.corrupt", `PDF ${id} is not open (the reader restarted)`);
  return pdf;
}

const api = {
  async open(id: number, bytes: Uint8Array, options: PdfOpenOptions) {
    const pdf = await PdfFile.open(bytes, options);
    documents.set(id, pdf);
    return pdf.pages;
  },
  pageText: (id: number, page: number) => document(id).pageText(page),
  renderPage: (id: number, page: number, options: RenderOptions) =>
    document(id).renderPage(page, options),
  async close(id: number) {
    const pdf = documents.get(id);
    documents.delete(id);
    await pdf?.close();
  },
};

export type PdfThreadApi = typeof api;

if (!isMainThread) serveThreadCalls(api);
