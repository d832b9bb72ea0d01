import { basename } from 'node:path';
import {
  PDFCheckBox,
  PDFDocument,
  PDFDropdown,
  PDFOptionList,
  PDFRadioGroup,
  PDFTextField,
  type PDFField,
} from 'pdf-lib';
import type { OcrEngine } from '@aether/ocr';
import type { NodeHandler } from '../contract';
import { NodeParamsError } from '../errors';
import type { ConfinedFolder } from '../files/confined-folder';
import { readImage } from '../ocr/read-image';
import { throwIfAborted } from '../shared/abort';
import { implement } from '../shared/define-handler';
import { readFileSource } from '../shared/file-source';
import { pageText, borderlessTables, ruledTables } from './layout';
import { PdfReadError, readPdf } from './pdf-reader';

const DEFAULT_MAX_CHARS = 200_000;

export function pdfHandlers(folder: ConfinedFolder, ocrEngine: OcrEngine): NodeHandler[] {
  return [
    implement('pdf.text', async ({ file, pages, maxChars = DEFAULT_MAX_CHARS, ocr = 'never' }, context) => {
      throwIfAborted(context.signal);
      const { bytes } = await readFileSource(file, folder, context);
      const render = ocr === 'never' ? 'none' : ocr;
      const read = await readPdf(bytes, { pages, render, signal: context.signal, name: file });
      const texts: { number: number; text: string; ocrConfidence?: number }[] = [];
      for (const page of read.pages) {
        if (page.image === undefined) {
          texts.push({ number: page.number, text: pageText(page.items) });
          continue;
        }
        const name = `${file} page ${page.number}`;
        const result = await readImage(ocrEngine, page.image, context, { name });
        texts.push({ number: page.number, text: result.text, ocrConfidence: result.confidence });
      }
      const text = texts.map((page) => page.text).join('\n\n');
      if (text.length > maxChars)
        throw new NodeParamsError(
          `${file}: the text of the pages read has ${text.length} characters, more than maxChars (${maxChars}); read fewer pages`,
        );
      return { text, pages: texts, pageCount: read.pageCount };
    }),

    implement('pdf.tables', async ({ file, pages, header = false, borderless = false }, context) => {
      throwIfAborted(context.signal);
      const { bytes } = await readFileSource(file, folder, context);
      const read = await readPdf(bytes, { pages, withSegments: true, signal: context.signal, name: file });
      const tables = read.pages.flatMap((page) => {
        const ruled = ruledTables(page.items, page.segments);
        return (ruled.length === 0 && borderless ? borderlessTables(page.items) : ruled).map((rows) => ({
          page: page.number,
          rows: header ? records(rows) : rows,
        }));
      });
      return { tables, count: tables.length };
    }),

    implement('pdf.fill', async ({ file, output, fields, flatten = false }, context) => {
      throwIfAborted(context.signal);
      const source = await readFileSource(file, folder, context);
      let document: PDFDocument;
      try {
        document = await PDFDocument.load(source.bytes);
      } catch (error) {
        throw new PdfReadError(`${file} cannot be read as a PDF: ${(error as Error).message}`, {
          cause: error,
        });
      }
      const form = document.getForm();
      const known = form.getFields();
      for (const [name, value] of Object.entries(fields)) {
        const field = known.find((f) => f.getName() === name);
        if (field === undefined)
          throw new NodeParamsError(
            `fields.${name}: the form has no field "${name}" (fields: ${known.map((f) => f.getName()).join(', ') || 'none'})`,
          );
        setField(field, value, `fields.${name}`);
      }
      if (flatten) form.flatten();
      const bytes = await document.save();
      throwIfAborted(context.signal);
      const filled = Object.keys(fields).length;
      if (output !== undefined) return { file: await folder.writeFile(output, bytes), filled };
      const ref = await context.storeArtifact(
        'document',
        `${basename(source.name, '.pdf')}-filled.pdf`,
        bytes,
      );
      return { ref, filled };
    }),
  ];
}

function setField(field: PDFField, value: string | number | boolean | null, path: string): void {
  if (field instanceof PDFTextField) {
    field.setText(value === null ? '' : String(value));
  } else if (field instanceof PDFCheckBox) {
    if (typeof value !== 'boolean' && value !== null)
      throw new NodeParamsError(`${path}: "${field.getName()}" is a check box; give true or false`);
    if (value === true) field.check();
    else field.uncheck();
  } else if (
    field instanceof PDFRadioGroup ||
    field instanceof PDFDropdown ||
    field instanceof PDFOptionList
  ) {
    const options = field.getOptions();
    if (value === null) {
      field.clear();
      return;
    }
    if (!options.includes(String(value)))
      throw new NodeParamsError(
        `${path}: "${String(value)}" is not an option of "${field.getName()}" (options: ${options.join(', ')})`,
      );
    field.select(String(value));
  } else {
    throw new NodeParamsError(
      `${path}: "${field.getName()}" is a ${field.constructor.name}, which cannot be filled`,
    );
  }
}

/** Rows under their first row as header: `[["a","b"],["1","2"]]` → `[{a:"1", b:"2"}]`. */
function records(rows: string[][]): Record<string, string>[] {
  const [head = [], ...body] = rows;
  const names = head.map((name, i) => name || `column${i + 1}`);
  return body.map((row) => Object.fromEntries(names.map((name, i) => [name, row[i] ?? ''])));
}
