import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OcrEngine } from '@aether/ocr';
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import { InMemoryArtifacts } from '../artifacts/artifact-store';
import type { NodeHandler } from '../contract';
import { ConfinedFolder } from '../files/confined-folder';
import { testNodeContext } from '../testing/node-context';
import { parsePages } from './layout';
import { pdfHandlers } from './pdf.handlers';

jest.setTimeout(30_000);

/** Draws a grid with cell texts: rules as lines, or as thin filled rectangles like many generators do. */
function drawTable(
  page: PDFPage,
  font: PDFFont,
  origin: { x: number; top: number },
  widths: number[],
  rows: string[][],
  rules: 'lines' | 'rectangles',
): void {
  const height = 20;
  const right = origin.x + widths.reduce((a, b) => a + b, 0);
  const bottom = origin.top - height * rows.length;
  const hRule = (y: number) =>
    rules === 'lines'
      ? page.drawLine({ start: { x: origin.x, y }, end: { x: right, y }, thickness: 0.8 })
      : page.drawRectangle({
          x: origin.x,
          y: y - 0.4,
          width: right - origin.x,
          height: 0.8,
          color: rgb(0, 0, 0),
        });
  const vRule = (x: number) =>
    rules === 'lines'
      ? page.drawLine({ start: { x, y: origin.top }, end: { x, y: bottom }, thickness: 0.8 })
      : page.drawRectangle({
          x: x - 0.4,
          y: bottom,
          width: 0.8,
          height: origin.top - bottom,
          color: rgb(0, 0, 0),
        });
  for (let r = 0; r <= rows.length; r++) hRule(origin.top - r * height);
  let x = origin.x;
  for (const width of [0, ...widths]) {
    x += width;
    vRule(x);
  }
  rows.forEach((row, r) => {
    let left = origin.x;
    row.forEach((text, c) => {
      page.drawText(text, { x: left + 4, y: origin.top - (r + 1) * height + 6, size: 10, font });
      left += widths[c];
    });
  });
}

async function invoicePdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const first = doc.addPage([595, 842]);
  first.drawText('Invoice INV-2026-001', { x: 50, y: 780, size: 18, font });
  first.drawText('Customer: Acme Ltd', { x: 50, y: 750, size: 11, font });
  first.drawText('Total due:', { x: 50, y: 730, size: 11, font });
  first.drawText('1,234.50 EUR', { x: 120, y: 730, size: 11, font });
  drawTable(
    first,
    font,
    { x: 50, top: 680 },
    [200, 60, 80],
    [
      ['Item', 'Qty', 'Amount'],
      ['Widget, blue', '3', '900.00'],
      ['Service fee', '1', '334.50'],
    ],
    'lines',
  );
  const second = doc.addPage([595, 842]);
  second.drawText('Terms: 30 days net', { x: 50, y: 780, size: 11, font });
  drawTable(
    second,
    font,
    { x: 60, top: 700 },
    [100, 100],
    [
      ['Due', 'IBAN'],
      ['2026-04-01', 'DE89 3704'],
    ],
    'rectangles',
  );
  const third = doc.addPage([595, 842]);
  third.drawText('Thank you for your business', { x: 50, y: 780, size: 11, font });
  return doc.save();
}

async function formPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  const form = doc.getForm();
  form.createTextField('customer').addToPage(page, { x: 50, y: 700, width: 200, height: 20 });
  form.createTextField('amount').addToPage(page, { x: 50, y: 660, width: 100, height: 20 });
  form.createCheckBox('paid').addToPage(page, { x: 50, y: 620, width: 15, height: 15 });
  const currency = form.createDropdown('currency');
  currency.addOptions(['EUR', 'USD', 'GBP']);
  currency.addToPage(page, { x: 50, y: 580, width: 80, height: 20 });
  return doc.save();
}

/** A statement whose table has no rules: columns only by where the text stands (amounts right-aligned). */
async function borderlessPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage([595, 842]);
  page.drawText('Statement March 2026', { x: 50, y: 790, size: 16, font });
  page.drawText('Thank you for your orders this month. The lines below are booked.', {
    x: 50,
    y: 765,
    size: 10,
    font,
  });
  const rows = [
    ['Date', 'Description', 'Amount'],
    ['2026-03-02', 'Widgets, blue', '900.00'],
    ['2026-03-09', 'Service fee', '34.50'],
    ['2026-03-20', '', '1,200.00'],
  ];
  rows.forEach((row, r) => {
    const y = 730 - r * 16;
    page.drawText(row[0]!, { x: 50, y, size: 10, font });
    if (row[1] !== '') page.drawText(row[1]!, { x: 150, y, size: 10, font });
    const amount = row[2]!;
    page.drawText(amount, { x: 400 - font.widthOfTextAtSize(amount, 10), y, size: 10, font });
  });
  page.drawText('Questions? Write to billing@acme.test', { x: 50, y: 600, size: 10, font });
  return doc.save();
}

describe('pdf handlers on PDFs made by pdf-lib', () => {
  let root: string;
  let handlers: Map<string, NodeHandler>;
  const artifacts = new InMemoryArtifacts();
  const run = (type: string, params: Record<string, unknown>, signal?: AbortSignal) =>
    handlers.get(type)!.execute(params, testNodeContext({ artifacts, signal, stepKey: 'fill' }));

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'aether-pdf-'));
    handlers = new Map(pdfHandlers(new ConfinedFolder(root), new OcrEngine()).map((h) => [h.type, h]));
    await writeFile(join(root, 'invoice.pdf'), await invoicePdf());
    await writeFile(join(root, 'form.pdf'), await formPdf());
    await writeFile(join(root, 'not.pdf'), 'just text, no PDF');
    await writeFile(join(root, 'statement.pdf'), await borderlessPdf());
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('extracts the text of the pages asked for, line by line', async () => {
    const out = await run('pdf.text', { file: 'invoice.pdf', pages: '1,3' });
    expect(out['pageCount']).toBe(3);
    const pages = out['pages'] as { number: number; text: string }[];
    expect(pages.map((p) => p.number)).toEqual([1, 3]);
    expect(pages[0].text.split('\n').slice(0, 3)).toEqual([
      'Invoice INV-2026-001',
      'Customer: Acme Ltd',
      'Total due: 1,234.50 EUR',
    ]);
    expect(pages[1].text).toBe('Thank you for your business');
    expect(out['text']).toContain('Widget, blue 3 900.00');
    expect(out['text']).not.toContain('Terms');
  });

  it('reads a PDF held as an artifact, and refuses pages the document does not have', async () => {
    const ref = await artifacts.put(
      'attachment',
      'job-1/invoice.pdf',
      await new ConfinedFolder(root).readFile('invoice.pdf'),
    );
    expect(await run('pdf.text', { file: ref, pages: '2-' })).toMatchObject({
      pages: [{ number: 2 }, { number: 3 }],
    });
    await expect(run('pdf.text', { file: 'invoice.pdf', pages: '2-5' })).rejects.toMatchObject({
      name: 'NodeParamsError',
      message: "pages: 2-5 is outside the document's 3 pages",
    });
  });

  it('reads ruled tables drawn with lines and with thin rectangles', async () => {
    const out = await run('pdf.tables', { file: 'invoice.pdf' });
    expect(out).toEqual({
      count: 2,
      tables: [
        {
          page: 1,
          rows: [
            ['Item', 'Qty', 'Amount'],
            ['Widget, blue', '3', '900.00'],
            ['Service fee', '1', '334.50'],
          ],
        },
        {
          page: 2,
          rows: [
            ['Due', 'IBAN'],
            ['2026-04-01', 'DE89 3704'],
          ],
        },
      ],
    });
    const keyed = await run('pdf.tables', { file: 'invoice.pdf', pages: '1', header: true });
    expect(keyed['tables']).toEqual([
      {
        page: 1,
        rows: [
          { Item: 'Widget, blue', Qty: '3', Amount: '900.00' },
          { Item: 'Service fee', Qty: '1', Amount: '334.50' },
        ],
      },
    ]);
  });

  it('reads a table without rules by the alignment of its text when asked, and only then', async () => {
    expect(await run('pdf.tables', { file: 'statement.pdf' })).toEqual({ count: 0, tables: [] });
    const out = await run('pdf.tables', { file: 'statement.pdf', borderless: true, header: true });
    expect(out).toEqual({
      count: 1,
      tables: [
        {
          page: 1,
          rows: [
            { Date: '2026-03-02', Description: 'Widgets, blue', Amount: '900.00' },
            { Date: '2026-03-09', Description: 'Service fee', Amount: '34.50' },
            { Date: '2026-03-20', Description: '', Amount: '1,200.00' },
          ],
        },
      ],
    });
    // a page with ruled tables keeps them, borderless or not
    const ruled = await run('pdf.tables', { file: 'invoice.pdf', pages: '1', borderless: true });
    expect((ruled['tables'] as { rows: string[][] }[]).map((t) => t.rows[0])).toEqual([
      ['Item', 'Qty', 'Amount'],
    ]);
  });

  it('fails terminally on a file that is not a PDF', async () => {
    await expect(run('pdf.text', { file: 'not.pdf' })).rejects.toMatchObject({
      name: 'PdfReadError',
      retryable: false,
      message: expect.stringContaining('not.pdf cannot be read as a PDF'),
    });
  });

  it('stops the reader when the step is aborted', async () => {
    const controller = new AbortController();
    controller.abort(new DOMException('timed out', 'TimeoutError'));
    await expect(run('pdf.text', { file: 'invoice.pdf' }, controller.signal)).rejects.toMatchObject({
      name: 'StepTimeoutError',
      code: 'TIMEOUT',
    });
  });

  it('fills AcroForm fields into a file, or into an artifact, and flattens on request', async () => {
    const fields = { customer: 'Acme Ltd', amount: 1234.5, paid: true, currency: 'EUR' };
    expect(await run('pdf.fill', { file: 'form.pdf', output: 'out/filled.pdf', fields })).toEqual({
      file: 'out/filled.pdf',
      filled: 4,
    });
    const filled = (
      await PDFDocument.load(await new ConfinedFolder(root).readFile('out/filled.pdf'))
    ).getForm();
    expect(filled.getTextField('customer').getText()).toBe('Acme Ltd');
    expect(filled.getTextField('amount').getText()).toBe('1234.5');
    expect(filled.getCheckBox('paid').isChecked()).toBe(true);
    expect(filled.getDropdown('currency').getSelected()).toEqual(['EUR']);

    const stored = await run('pdf.fill', { file: 'form.pdf', fields: { customer: 'Globex' }, flatten: true });
    expect(stored).toEqual({ ref: 'mem://job-1/fill/attempt-1/form-filled.pdf', filled: 1 });
    const flat = await PDFDocument.load(await artifacts.get(stored['ref'] as string));
    expect(flat.getForm().getFields()).toHaveLength(0);
    const text = await run('pdf.text', { file: stored['ref'] as string });
    expect(text['text']).toContain('Globex');
  });

  it('names a field the form lacks, and a value a field cannot take', async () => {
    await expect(run('pdf.fill', { file: 'form.pdf', fields: { client: 'x' } })).rejects.toMatchObject({
      message: 'fields.client: the form has no field "client" (fields: customer, amount, paid, currency)',
    });
    await expect(run('pdf.fill', { file: 'form.pdf', fields: { paid: 'yes' } })).rejects.toMatchObject({
      message: 'fields.paid: "paid" is a check box; give true or false',
    });
    await expect(run('pdf.fill', { file: 'form.pdf', fields: { currency: 'JPY' } })).rejects.toMatchObject({
      message: 'fields.currency: "JPY" is not an option of "currency" (options: EUR, USD, GBP)',
    });
  });
});

describe('parsePages', () => {
  it('reads lists and ranges, open-ended ones included', () => {
    expect(parsePages(undefined, 3)).toEqual([1, 2, 3]);
    expect(parsePages('3, 1-2', 5)).toEqual([1, 2, 3]);
    expect(parsePages('4-', 6)).toEqual([4, 5, 6]);
    expect(() => parsePages('0', 2)).toThrow('outside');
    expect(() => parsePages('a', 2)).toThrow('pages: "a" is not a page');
  });
});
