import { dirname, join } from 'node:path';
import { createWorker, OEM, PSM, type Worker as TesseractWorker, type Bbox, type Line } from 'tesseract.js';
import { imageFormat } from './image-format';

/** A box in image pixels: left, top (x0, y0) to right, bottom (x1, y1). */
export interface OcrBox {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/** One recognised word, with Tesseract's confidence (0–100). */
export interface OcrWord {
  readonly text: string;
  readonly confidence: number;
  readonly box: OcrBox;
}

/** One recognised line and its words, top to bottom in reading order. */
export interface OcrLine {
  readonly text: string;
  readonly confidence: number;
  readonly box: OcrBox;
  readonly words: readonly OcrWord[];
}

/** What OCR read from one image. */
export interface OcrResult {
  /** The whole text, lines separated by `\n`, blocks by a blank line. */
  readonly text: string;
  /** Mean word confidence (0–100); 0 when nothing was read. */
  readonly confidence: number;
  readonly lines: readonly OcrLine[];
}

/**
 * How Tesseract finds the text in the image (its page segmentation mode, PSM): `auto` (3, the
 * default) analyses a page's layout into blocks and columns; `block` (6) reads one uniform
 * block; `line` (7) one line; `sparse` (11) finds as much text as it can in no particular order,
 * for screenshots, crops and forms where words stand apart (page layout analysis drops or merges them).
 */
export type PageSegmentation = 'auto' | 'block' | 'line' | 'sparse';
const PSM_OF: Record<PageSegmentation, PSM> = {
  auto: PSM.AUTO,
  block: PSM.SINGLE_BLOCK,
  line: PSM.SINGLE_LINE,
  sparse: PSM.SPARSE_TEXT,
};
export const PAGE_SEGMENTATIONS = Object.keys(PSM_OF) as PageSegmentation[];

export interface RecognizeOptions {
  /** Stops the recognition: the engine's worker is terminated and a fresh one serves the next call. */
  readonly signal?: AbortSignal;
  /**
   * Read only this part of the image, in pixels. Default: the whole image. Keep it inside the
   * image: with tesseract.js 7 a rectangle as wide as the image reads garbage.
   */
  readonly rectangle?: { left: number; top: number; width: number; height: number };
  /** Names the image in error messages (a file name, an artifact). Default `image`. */
  readonly name?: string;
  /** Page segmentation mode of this call only. Default `auto`. */
  readonly pageSegmentation?: PageSegmentation;
}

/** The bytes are not an image Tesseract can decode (not PNG, JPEG, BMP, TIFF, WebP or GIF, or damaged). Terminal. */
export class OcrImageError extends Error {
  readonly code = 'OCR_BAD_IMAGE';
  readonly retryable = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OcrImageError';
  }
}

/** The call's signal fired before recognition finished. */
export class OcrAbortedError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('OCR was stopped before it finished', options);
    this.name = 'OcrAbortedError';
  }
}

/** Languages whose trained data ships in an npm package (installed with the project, never downloaded). */
const LANGUAGE_PACKAGES = { eng: '@tesseract.js-data/eng' } as const;
export type OcrLanguage = keyof typeof LANGUAGE_PACKAGES;
export const OCR_LANGUAGES = Object.keys(LANGUAGE_PACKAGES) as OcrLanguage[];

/**
 * Tesseract (tesseract.js, WebAssembly) in a worker thread, so recognition never blocks the
 * caller's event loop. The worker starts at the first call (a few seconds: it compiles the core
 * and loads the language data) and is kept for the next ones; calls run one at a time. Language
 * data is read from its npm package, LSTM "best int" models, and nothing is cached or fetched.
 */
export class OcrEngine {
  private worker: Promise<TesseractWorker> | undefined;
  /** The mode the current worker is set to (a worker parameter, so it outlives the call that set it). */
  private mode: PageSegmentation = 'auto';
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly language: OcrLanguage = 'eng') {}

  /** Recognises the text of an encoded image (PNG, JPEG, BMP, TIFF, WebP, GIF). */
  recognize(image: Uint8Array, options: RecognizeOptions = {}): Promise<OcrResult> {
    const run = this.queue.then(() => this.run(image, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Starts the worker now rather than at the first call (a few seconds of one core), for
   * callers whose later calls must be quick.
   */
  async start(): Promise<void> {
    await this.started();
  }

  /** Stops the worker; a later call starts a new one. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await (await worker.catch(() => undefined))?.terminate();
  }

  private async run(image: Uint8Array, options: RecognizeOptions): Promise<OcrResult> {
    const name = options.name ?? 'image';
    const format = imageFormat(image);
    if (format === undefined)
      throw new OcrImageError(
        `${name} is not an image OCR can read: expected PNG, JPEG, BMP, TIFF, WebP or GIF (${image.byteLength} bytes)`,
      );
    const signal = options.signal;
    if (signal?.aborted) throw new OcrAbortedError({ cause: signal.reason });
    const worker = await this.started();
    const mode = options.pageSegmentation ?? 'auto';
    if (mode !== this.mode) {
      await worker.setParameters({ tessedit_pageseg_mode: PSM_OF[mode] });
      this.mode = mode;
    }
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        void this.close();
        reject(new OcrAbortedError({ cause: signal?.reason }));
      };
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const recognised = worker.recognize(
        Buffer.from(image.buffer, image.byteOffset, image.byteLength),
        options.rectangle ? { rectangle: options.rectangle } : {},
        { text: true, blocks: true },
      );
      const { data } = await Promise.race([recognised, aborted]);
      return resultOf(data.text, data.blocks ?? []);
    } catch (error) {
      if (error instanceof OcrAbortedError) throw error;
      // tesseract.js rejects with the worker's message as a string.
      const message = error instanceof Error ? error.message : String(error);
      throw new OcrImageError(`${name} (${format}) cannot be read: ${message}`, { cause: error });
    } finally {
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  private started(): Promise<TesseractWorker> {
    if (!this.worker) this.mode = 'auto';
    this.worker ??= createWorker(this.language, OEM.LSTM_ONLY, {
      langPath: languageDataPath(this.language),
      cacheMethod: 'none',
      gzip: true,
      // Without a handler tesseract.js throws a failed job's error from its message listener
      // (an uncaught exception); the job's promise is rejected either way.
      errorHandler: () => undefined,
    });
    const worker = this.worker;
    worker.catch(() => {
      if (this.worker === worker) this.worker = undefined;
    });
    return worker;
  }
}

/** The folder of a language's packaged trained data (LSTM "best int" models, gzipped). */
export function languageDataPath(language: OcrLanguage): string {
  return join(dirname(require.resolve(`${LANGUAGE_PACKAGES[language]}/package.json`)), '4.0.0_best_int');
}

function resultOf(text: string, blocks: NonNullable<import('tesseract.js').Page['blocks']>): OcrResult {
  const lines = blocks
    .flatMap((block) => block.paragraphs)
    .flatMap((paragraph) => paragraph.lines)
    .map(lineOf)
    .filter((line) => line.text.length > 0);
  const words = lines.flatMap((line) => line.words);
  const confidence =
    words.length === 0 ? 0 : round(words.reduce((sum, word) => sum + word.confidence, 0) / words.length);
  return { text: text.trim(), confidence, lines };
}

function lineOf(line: Line): OcrLine {
  return {
    text: line.text.trim(),
    confidence: round(line.confidence),
    box: boxOf(line.bbox),
    words: line.words.map((word) => ({
      text: word.text,
      confidence: round(word.confidence),
      box: boxOf(word.bbox),
    })),
  };
}

const boxOf = ({ x0, y0, x1, y1 }: Bbox): OcrBox => ({ x0, y0, x1, y1 });
const round = (value: number) => Math.round(value * 10) / 10;
