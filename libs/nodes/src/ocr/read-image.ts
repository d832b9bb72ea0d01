import {
  OcrAbortedError,
  OcrImageError,
  type OcrEngine,
  type OcrResult,
  type RecognizeOptions,
} from '@aether/ocr';
import type { NodeContext } from '../contract';
import { NodeError } from '../errors';
import { abortedError } from '../shared/abort';

/** The image is not one OCR can decode (not an image, or damaged). Terminal. */
export class OcrUnreadableError extends NodeError {
  readonly code = 'OCR_BAD_IMAGE';
  readonly retryable = false;
}

/** Recognises an image with the robot's engine, in the step's terms: its signal, its errors. */
export async function readImage(
  engine: OcrEngine,
  image: Uint8Array,
  context: Pick<NodeContext, 'signal'>,
  options: Omit<RecognizeOptions, 'signal'>,
): Promise<OcrResult> {
  try {
    return await engine.recognize(image, { ...options, signal: context.signal });
  } catch (error) {
    if (error instanceof OcrAbortedError) throw abortedError(context.signal);
    if (error instanceof OcrImageError) throw new OcrUnreadableError(error.message, { cause: error });
    throw error;
  }
}
