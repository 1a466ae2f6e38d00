export type { OcrEngine, OcrInput, OcrLine, OcrParagraph, OcrResult } from "./types.js";
export { paragraphsToText } from "./types.js";
export { TesseractOcr, TESSERACT_WORKER_BYTES, type TesseractOcrOptions } from "./tesseract.js";
export {
  gatherTessdata,
  findTessdata,
  parseLangs,
  SYSTEM_TESSDATA_DIRS,
  TESSDATA_CDN,
  type TessdataOptions,
} from "./tessdata.js";
