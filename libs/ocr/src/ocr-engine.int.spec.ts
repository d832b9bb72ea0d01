// Real Tesseract (tesseract.js in a worker thread) on images rendered by a real Chromium.
import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { OcrAbortedError, OcrEngine, OcrImageError, type RecognizeOptions } from './index';

jest.setTimeout(180_000);

/** Four words standing apart, as on a toolbar: page layout analysis joins the two top ones into a line. */
const SCATTERED = `<!doctype html><html><body style="margin:0;background:#fff;color:#000;font:22px sans-serif">
<span style="position:absolute;left:20px;top:30px">Save</span><span style="position:absolute;left:600px;top:20px">Export</span>
<span style="position:absolute;left:520px;top:140px">Delete</span><span style="position:absolute;left:260px;top:250px">Print</span>
</body></html>`;

const INVOICE = `<!doctype html><html><body style="margin:40px;background:#fff;color:#000;font:28px sans-serif">
<p>Invoice INV-2026-042</p><p>Customer: Acme Ltd</p><p>Total due: 1,234.50 EUR</p></body></html>`;

describe('OcrEngine', () => {
  let browser: Browser;
  let png: Buffer;
  let jpeg: Buffer;
  let scattered: Buffer;
  const engine = new OcrEngine();

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
    const page = await browser.newPage({ viewport: { width: 700, height: 300 } });
    await page.setContent(INVOICE);
    png = await page.screenshot({ type: 'png' });
    jpeg = await page.screenshot({ type: 'jpeg', quality: 85 });
    await page.setContent(SCATTERED);
    scattered = await page.screenshot({ type: 'png' });
  }, 60_000);

  afterAll(async () => {
    await engine.close();
    await browser?.close();
  });

  it('reads the text of a PNG, line by line with word boxes inside the image', async () => {
    const result = await engine.recognize(png, { name: 'invoice.png' });

    expect(result.text).toContain('INV-2026-042');
    expect(result.text).toMatch(/Total due: 1,234\.50 EUR/);
    expect(result.lines.map((line) => line.text)).toEqual([
      'Invoice INV-2026-042',
      'Customer: Acme Ltd',
      'Total due: 1,234.50 EUR',
    ]);
    expect(result.confidence).toBeGreaterThan(70);
    const total = result.lines[2].words.find((word) => word.text === '1,234.50');
    expect(total?.box.x0).toBeGreaterThan(40);
    expect(total?.box.x1).toBeLessThan(700);
    expect(total?.box.y0).toBeGreaterThan(result.lines[1].box.y1);
  });

  it('reads a JPEG, and only the rectangle asked for', async () => {
    const whole = await engine.recognize(jpeg);
    expect(whole.text).toContain('Customer: Acme Ltd');

    const between = Math.round((whole.lines[0].box.y1 + whole.lines[1].box.y0) / 2);
    const part = await engine.recognize(jpeg, {
      rectangle: { left: 0, top: 0, width: 600, height: between },
    });
    expect(part.text).toBe('Invoice INV-2026-042');
  });

  it('reads words standing apart one by one in sparse mode, and only for that call', async () => {
    const lines = async (options: RecognizeOptions = {}) =>
      (await engine.recognize(scattered, options)).lines.map((line) => line.text);
    expect(await lines()).toContain('Save Export');

    expect((await lines({ pageSegmentation: 'sparse' })).sort()).toEqual([
      'Delete',
      'Export',
      'Print',
      'Save',
    ]);
    // The mode is a worker parameter: the next call without one is back to page layout analysis.
    expect(await lines()).toContain('Save Export');
    expect(await lines({ pageSegmentation: 'line' })).not.toEqual(
      await lines({ pageSegmentation: 'sparse' }),
    );
  });

  it('starts its worker on request, and again after close', async () => {
    await engine.close();
    await engine.start();
    await engine.start();
    expect((await engine.recognize(png)).text).toContain('INV-2026-042');
  });

  it('refuses bytes that are not an image, naming them, and stays usable', async () => {
    await expect(
      engine.recognize(Buffer.from('%PDF-1.7 not an image'), { name: 'scan.pdf' }),
    ).rejects.toThrow(
      new OcrImageError(
        'scan.pdf is not an image OCR can read: expected PNG, JPEG, BMP, TIFF, WebP or GIF (21 bytes)',
      ),
    );

    const damaged = Buffer.concat([png.subarray(0, 64), Buffer.alloc(256, 7)]);
    const error = await engine.recognize(damaged, { name: 'damaged.png' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OcrImageError);
    expect((error as OcrImageError).message).toMatch(/^damaged\.png \(png\) cannot be read: /);
    expect((error as OcrImageError).retryable).toBe(false);

    expect((await engine.recognize(png)).text).toContain('INV-2026-042');
  });

  it('stops when the signal fires, and a later call starts a fresh worker', async () => {
    const controller = new AbortController();
    const running = engine.recognize(png, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('step timed out')), 5);
    await expect(running).rejects.toBeInstanceOf(OcrAbortedError);

    expect((await engine.recognize(png)).text).toContain('Customer: Acme Ltd');
  });

  // The language data comes from its npm package: with no network at all, OCR still works.
  const isolated = spawnSync('unshare', ['-n', 'true']).status === 0;
  (isolated ? it : it.skip)('needs no network (run under unshare -n)', async () => {
    const script = `
      const { OcrEngine } = require(${JSON.stringify(join(__dirname, 'ocr-engine.ts'))});
      const engine = new OcrEngine();
      engine.recognize(Buffer.from(process.argv[1], 'base64'))
        .then((r) => { console.log(r.text); return engine.close(); })
        .catch((e) => { console.error(e); process.exit(1); });`;
    const { stdout } = await promisify(execFile)(
      'unshare',
      ['-n', process.execPath, '-r', '@swc-node/register', '-e', script, png.toString('base64')],
      { cwd: join(__dirname, '../../..'), timeout: 120_000 },
    );
    expect(stdout).toContain('Total due: 1,234.50 EUR');
  });
});
