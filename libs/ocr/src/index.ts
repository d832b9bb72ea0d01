export {
  OcrEngine,
  OcrImageError,
  OcrAbortedError,
  OCR_LANGUAGES,
  PAGE_SEGMENTATIONS,
  languageDataPath,
  type OcrLanguage,
  type PageSegmentation,
  type OcrResult,
  type OcrLine,
  type OcrWord,
  type OcrBox,
  type RecognizeOptions,
} from './ocr-engine';
export { imageFormat, type ImageFormat } from './image-format';
