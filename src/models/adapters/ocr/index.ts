export type { OcrEngine, OcrInput, OcrLine, OcrParagraph, OcrResult } from "./types.js";
export { paragraphsToText } from "./types.js";
export {
  TesseractOcr,
  TESSERACT_WORKER_BYTES,
  type OcrEngineChoice,
  type TesseractOcrOptions,
} from "./tesseract.js";
export { NativeTesseract, parseTsv, type NativeTesseractOptions } from "./native.js";
export {
  gatherTessdata,
  findTessdata,
  parseLangs,
  SYSTEM_TESSDATA_DIRS,
  TESSDATA_CDN,
  type TessdataOptions,
} from "./tessdata.js";
