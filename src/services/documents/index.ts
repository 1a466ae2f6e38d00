export {
  DocumentService,
  type DocumentResult,
  type DocumentServiceOptions,
  type PageMethod,
  type PageProgress,
  type PageResult,
  type PdfPolicy,
  type ReadingMode,
  type RecognizeOptions,
  type TextNormalizer,
  type VisionReader,
} from "./service.js";
export { detectLanguage, isRealText, REAL_TEXT, type DetectedLanguage } from "./text.js";
