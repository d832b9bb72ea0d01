import { Worker } from 'node:worker_threads';
import { dirname, join } from 'node:path';
import { NodeError } from '../errors';
import { abortedError } from '../shared/abort';
import { parsePages, type Segment, type TextItem } from './layout';

/** What the reader found on one page. */
export interface PdfPage {
  readonly number: number;
  readonly items: TextItem[];
  /** Straight lines drawn on the page; only when asked for. */
  readonly segments: Segment[];
  /** The page rendered to PNG at `RENDER_DPI`, when `render` asked for it. */
  readonly image?: Uint8Array;
}

/** Which pages the reader also renders to an image (for OCR): none, those without text, or all. */
export type RenderPages = 'none' | 'blank' | 'always';

/** Scanned pages are rendered for OCR at this resolution: enough for 8-point print, yet quick. */
export const RENDER_DPI = 200;

/** The file is not a PDF pdf.js can read (damaged, encrypted). Terminal. */
export class PdfReadError extends NodeError {
  readonly code = 'PDF_UNREADABLE';
  readonly retryable = false;
}

/**
 * The code of the worker that runs pdf.js (the ES-module legacy build for Node). It runs in a
 * worker thread: a PDF that makes the parser spin is stopped by terminating the worker when the
 * step's signal fires, and the parse never blocks the robot's event loop. It reports the page
 * count, waits for the page numbers to read, then answers with their text items and, when asked,
 * the straight lines drawn on them (table rules), in page coordinates, and the pages rendered to
 * PNG (on the packaged @napi-rs/canvas) for OCR.
 */
const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
const multiply = (m, n) => [
  m[0] * n[0] + m[2] * n[1], m[1] * n[0] + m[3] * n[1],
  m[0] * n[2] + m[2] * n[3], m[1] * n[2] + m[3] * n[3],
  m[0] * n[4] + m[2] * n[5] + m[4], m[1] * n[4] + m[3] * n[5] + m[5],
];
const apply = (m, x, y) => [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]];
async function segmentsOf(page, OPS) {
  const list = await page.getOperatorList();
  const segments = [];
  const stack = [];
  let ctm = [1, 0, 0, 1, 0, 0];
  const line = (a, b) => segments.push({ x1: a[0], y1: a[1], x2: b[0], y2: b[1] });
  const rect = (x, y, w, h) => {
    const p = [apply(ctm, x, y), apply(ctm, x + w, y), apply(ctm, x + w, y + h), apply(ctm, x, y + h)];
    if (Math.abs(h) <= 2 || Math.abs(w) <= 2) line(apply(ctm, x, y + h / 2), apply(ctm, x + w, y + h / 2)) , line(apply(ctm, x + w / 2, y), apply(ctm, x + w / 2, y + h));
    else for (let i = 0; i < 4; i++) line(p[i], p[(i + 1) % 4]);
  };
  for (let i = 0; i < list.fnArray.length; i++) {
    const fn = list.fnArray[i];
    const args = list.argsArray[i];
    if (fn === OPS.save) stack.push(ctm);
    else if (fn === OPS.restore) ctm = stack.pop() || ctm;
    else if (fn === OPS.transform) ctm = multiply(ctm, args);
    else if (fn === OPS.constructPath) {
      const data = args[1] && args[1][0];
      if (data && typeof data.length === 'number' && workerData.drawOps) {
        // pdf.js >= 5: one flat buffer of DrawOPS codes and their coordinates.
        const D = workerData.drawOps;
        let start = null, current = null;
        for (let k = 0; k < data.length; ) {
          const op = data[k++];
          if (op === D.moveTo) { current = start = apply(ctm, data[k], data[k + 1]); k += 2; }
          else if (op === D.lineTo) { const next = apply(ctm, data[k], data[k + 1]); k += 2; if (current) line(current, next); current = next; }
          else if (op === D.curveTo) { current = apply(ctm, data[k + 4], data[k + 5]); k += 6; }
          else if (op === D.quadraticCurveTo) { current = apply(ctm, data[k + 2], data[k + 3]); k += 4; }
          else if (op === D.closePath) { if (current && start) line(current, start); current = start; }
          else break;
        }
      } else if (Array.isArray(args[0])) {
        // pdf.js 4: a list of path ops and a flat list of their coordinates.
        const [ops, coords] = args;
        let c = 0, start = null, current = null;
        for (const op of ops) {
          if (op === OPS.rectangle) { rect(coords[c], coords[c + 1], coords[c + 2], coords[c + 3]); c += 4; }
          else if (op === OPS.moveTo) { current = start = apply(ctm, coords[c], coords[c + 1]); c += 2; }
          else if (op === OPS.lineTo) { const next = apply(ctm, coords[c], coords[c + 1]); c += 2; if (current) line(current, next); current = next; }
          else if (op === OPS.curveTo) { current = apply(ctm, coords[c + 4], coords[c + 5]); c += 6; }
          else if (op === OPS.curveTo2 || op === OPS.curveTo3) { current = apply(ctm, coords[c + 2], coords[c + 3]); c += 4; }
          else if (op === OPS.closePath) { if (current && start) line(current, start); current = start; }
        }
      }
    }
  }
  return segments;
}
(async () => {
  const pdfjs = await import(pathToFileURL(workerData.pdfjsPath).href);
  workerData.drawOps = pdfjs.DrawOPS || { moveTo: 0, lineTo: 1, curveTo: 2, quadraticCurveTo: 3, closePath: 4 };
  const doc = await pdfjs.getDocument({
    data: workerData.data,
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    verbosity: 0,
    standardFontDataUrl: workerData.standardFonts,
  }).promise;
  parentPort.postMessage({ type: 'count', pageCount: doc.numPages });
  const wanted = await new Promise((resolve) => parentPort.once('message', resolve));
  const pages = [];
  for (const number of wanted) {
    const page = await doc.getPage(number);
    const content = await page.getTextContent();
    const items = content.items
      .filter((item) => typeof item.str === 'string')
      .map((item) => ({
        str: item.str,
        x: item.transform[4],
        y: item.transform[5],
        width: item.width,
        height: item.height || Math.hypot(item.transform[2], item.transform[3]),
      }));
    const segments = workerData.withSegments ? await segmentsOf(page, pdfjs.OPS) : [];
    const blank = items.every((item) => item.str.trim() === '');
    let image;
    if (workerData.render === 'always' || (workerData.render === 'blank' && blank)) {
      const viewport = page.getViewport({ scale: workerData.renderDpi / 72 });
      const { canvas, context } = doc.canvasFactory.create(viewport.width, viewport.height);
      await page.render({ canvasContext: context, canvas, viewport }).promise;
      image = canvas.toBuffer('image/png');
    }
    pages.push({ number, items, segments, image });
    page.cleanup();
  }
  await doc.destroy();
  parentPort.postMessage({ type: 'pages', pages });
})().catch((error) => parentPort.postMessage({ type: 'error', name: String(error && error.name), message: String((error && error.message) || error) }));
`;

let pdfjsPaths: { module: string; standardFonts: string } | undefined;
function pdfjs(): { module: string; standardFonts: string } {
  pdfjsPaths ??= (() => {
    const root = dirname(require.resolve('pdfjs-dist/package.json'));
    return { module: join(root, 'legacy/build/pdf.mjs'), standardFonts: `${join(root, 'standard_fonts')}/` };
  })();
  return pdfjsPaths;
}

/**
 * Reads `pages` (a spec like `"1-3,5"`, default every page) of a PDF in a worker thread: text
 * items, with `withSegments` the lines drawn, with `render` page images. Stops the worker when
 * `signal` fires.
 */
export async function readPdf(
  bytes: Uint8Array,
  options: {
    pages?: string;
    withSegments?: boolean;
    render?: RenderPages;
    signal: AbortSignal;
    name: string;
  },
): Promise<{ pageCount: number; pages: PdfPage[] }> {
  const paths = pdfjs();
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      data: Uint8Array.from(bytes),
      pdfjsPath: paths.module,
      standardFonts: paths.standardFonts,
      withSegments: options.withSegments ?? false,
      render: options.render ?? 'none',
      renderDpi: RENDER_DPI,
    },
    resourceLimits: { maxOldGenerationSizeMb: 512 },
  });
  try {
    return await new Promise((resolve, reject) => {
      let pageCount = 0;
      const onAbort = () => reject(abortedError(options.signal));
      if (options.signal.aborted) return onAbort();
      options.signal.addEventListener('abort', onAbort, { once: true });
      worker.on('message', (message: WorkerMessage) => {
        switch (message.type) {
          case 'count':
            pageCount = message.pageCount;
            try {
              worker.postMessage(parsePages(options.pages, pageCount));
            } catch (error) {
              reject(error);
            }
            break;
          case 'pages':
            resolve({ pageCount, pages: message.pages });
            break;
          case 'error':
            reject(
              new PdfReadError(`${options.name} cannot be read as a PDF: ${message.message}`, {
                cause: new Error(`${message.name}: ${message.message}`),
              }),
            );
            break;
          default: {
            const _exhaustive: never = message;
            reject(new Error(`unexpected message from the PDF worker: ${JSON.stringify(_exhaustive)}`));
          }
        }
      });
      worker.on('error', (error) =>
        reject(
          new PdfReadError(`${options.name} cannot be read as a PDF: ${error.message}`, { cause: error }),
        ),
      );
      worker.on('exit', (code) =>
        reject(new PdfReadError(`${options.name}: the PDF reader stopped (exit ${code}) before it finished`)),
      );
    });
  } finally {
    await worker.terminate();
  }
}

type WorkerMessage =
  | { type: 'count'; pageCount: number }
  | { type: 'pages'; pages: PdfPage[] }
  | { type: 'error'; name: string; message: string };
