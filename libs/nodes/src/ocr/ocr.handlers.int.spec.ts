// Real Tesseract on images rendered by a real Chromium: `ocr.text`, and `pdf.text` reading a
// scanned (image-only) page by OCR.
import { OcrEngine } from '@aether/ocr';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { chromium, type Browser } from 'playwright-core';
import { InMemoryArtifacts } from '../artifacts/artifact-store';
import { CHROMIUM_LAUNCH_OPTIONS } from '../browser/launch-options';
import type { NodeHandler } from '../contract';
import { ConfinedFolder } from '../files/confined-folder';
import { pdfHandlers } from '../pdf/pdf.handlers';
import { testNodeContext } from '../testing/node-context';
import { ocrHandlers } from './ocr.handlers';

jest.setTimeout(180_000);

const SCAN = `<!doctype html><html><body style="margin:40px;background:#fff;color:#000;font:28px serif">
<p>Invoice INV-2026-077</p><p>Supplier: Northwind GmbH</p><p>Total due: 2,480.00 EUR</p></body></html>`;

/** A PDF whose first page has a text layer and whose second is only a picture of a page (a scan). */
async function halfScannedPdf(scan: Uint8Array): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage([595, 842]).drawText('Cover letter', { x: 50, y: 780, size: 14, font });
  const image = await doc.embedPng(scan);
  doc.addPage([595, 842]).drawImage(image, { x: 20, y: 500, width: 560, height: 240 });
  return doc.save();
}

describe('OCR steps', () => {
  let browser: Browser;
  let root: string;
  let handlers: Map<string, NodeHandler>;
  const engine = new OcrEngine();
  const artifacts = new InMemoryArtifacts();
  const run = (type: string, params: Record<string, unknown>) =>
    handlers.get(type)!.execute(params, testNodeContext({ artifacts }));

  beforeAll(async () => {
    browser = await chromium.launch(CHROMIUM_LAUNCH_OPTIONS);
    const page = await browser.newPage({ viewport: { width: 700, height: 300 } });
    await page.setContent(SCAN);
    const scan = await page.screenshot({ type: 'png' });
    root = await mkdtemp(join(tmpdir(), 'aether-ocr-'));
    const folder = new ConfinedFolder(root);
    handlers = new Map(
      [...ocrHandlers(folder, engine), ...pdfHandlers(folder, engine)].map((h) => [h.type, h]),
    );
    await writeFile(join(root, 'scan.png'), scan);
    await writeFile(join(root, 'invoice.pdf'), await halfScannedPdf(scan));
    await writeFile(join(root, 'notes.txt'), 'not a picture');
  }, 60_000);

  afterAll(async () => {
    await engine.close();
    await browser?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('ocr.text reads a scanned image line by line', async () => {
    const out = await run('ocr.text', { file: 'scan.png' });
    expect(out['text']).toBe('Invoice INV-2026-077\nSupplier: Northwind GmbH\nTotal due: 2,480.00 EUR');
    expect(out['confidence']).toBeGreaterThan(70);
    const lines = out['lines'] as { text: string; box: { y0: number } }[];
    expect(lines.map((line) => line.text)).toHaveLength(3);
    expect(lines[2].box.y0).toBeGreaterThan(lines[1].box.y0);
  });

  it('ocr.text fails terminally on a file that is not an image', async () => {
    await expect(run('ocr.text', { file: 'notes.txt' })).rejects.toMatchObject({
      code: 'OCR_BAD_IMAGE',
      retryable: false,
      message: expect.stringMatching(/^notes\.txt is not an image OCR can read/),
    });
  });

  it('pdf.text reads a page without a text layer by OCR only when asked', async () => {
    const plain = await run('pdf.text', { file: 'invoice.pdf' });
    expect(plain['pages']).toEqual([
      { number: 1, text: 'Cover letter' },
      { number: 2, text: '' },
    ]);

    const out = await run('pdf.text', { file: 'invoice.pdf', ocr: 'blank' });
    const [cover, scanned] = out['pages'] as { number: number; text: string; ocrConfidence?: number }[];
    expect(cover).toEqual({ number: 1, text: 'Cover letter' });
    expect(scanned.text).toContain('Total due: 2,480.00 EUR');
    expect(scanned.text).toContain('INV-2026-077');
    expect(scanned.ocrConfidence).toBeGreaterThan(70);
  });
});
