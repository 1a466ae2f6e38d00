/** Builds small PDFs for document tests with pdf-lib. */
import { PDFArray, PDFDocument, PDFHexString, PDFName, StandardFonts } from "pdf-lib";

/** A4 in PDF points. */
export const A4: [number, number] = [595.28, 841.89];

export type PageSpec =
  | { kind: "text"; lines: readonly string[] }
  | { kind: "image"; png: Uint8Array }
  | { kind: "blank" };

/** A PDF with one page per spec: Helvetica text, a full-width embedded scan, or nothing. */
export async function buildPdf(pages: readonly PageSpec[]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const spec of pages) {
    const page = doc.addPage(A4);
    if (spec.kind === "text") {
      spec.lines.forEach((line, i) => {
        page.drawText(line, { x: 56, y: A4[1] - 80 - i * 18, size: 12, font });
      });
    } else if (spec.kind === "image") {
      const image = await doc.embedPng(spec.png);
      const width = A4[0] - 80;
      const height = (image.height / image.width) * width;
      page.drawImage(image, { x: 40, y: A4[1] - 40 - height, width, height });
    }
  }
  return doc.save({ useObjectStreams: false });
}

/**
 * A PDF whose trailer has a standard-security /Encrypt dictionary with a user password that
 * isn't empty, so readers must ask for the password.
 */
export async function buildEncryptedPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.addPage(A4);
  const { context } = doc;
  const encrypt = context.obj({
    Filter: PDFName.of("Standard"),
    V: 1,
    R: 2,
    O: PDFHexString.of("5a".repeat(32)),
    U: PDFHexString.of("a5".repeat(32)),
    P: -4,
  });
  context.trailerInfo.Encrypt = context.register(encrypt);
  const id = PDFArray.withContext(context);
  id.push(PDFHexString.of("0123456789abcdef0123456789abcdef"));
  id.push(PDFHexString.of("0123456789abcdef0123456789abcdef"));
  context.trailerInfo.ID = id;
  return doc.save({ useObjectStreams: false });
}
