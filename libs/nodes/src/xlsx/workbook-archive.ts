import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import * as ExcelJS from 'exceljs';
import { Open, type CentralDirectory, type File as ArchiveEntry } from 'unzipper';
import type { SeekableSource } from '../shared/file-source';

const READER_OPTIONS: Partial<ExcelJS.stream.xlsx.WorkbookStreamReaderOptions> = {
  worksheets: 'emit',
  sharedStrings: 'cache',
  styles: 'cache',
  hyperlinks: 'ignore',
  entries: 'ignore',
};

/**
 * The workbook's worksheets, each streamed row by row, in the order their parts are numbered.
 *
 * exceljs's streaming reader takes the archive in one pass over its entries and loses now and then
 * `xl/workbook.xml`, which exceljs's own writer stores last (exceljs#3064; about 1 read in 200 on an
 * idle machine, most reads under load). This reader opens the archive at its central directory
 * instead, as the fix proposed upstream does (exceljs#3065): the sheet list, shared strings and
 * styles are read before any sheet, whatever order they were stored in, and no sheet waits in a
 * temporary file. Rows are still streamed; the workbook is never held whole.
 */
export async function* worksheetsOf(
  source: SeekableSource,
): AsyncGenerator<ExcelJS.stream.xlsx.WorksheetReader> {
  if ('bytes' in source) {
    yield* new ArchiveWorkbookReader(await Open.buffer(Buffer.from(source.bytes)));
    return;
  }
  // Reads left unfinished (a range that ended early) are stopped before the caller closes the
  // file: a read on a closed handle would fail unobserved.
  const { handle } = source;
  const reads = new Set<Readable>();
  try {
    const archive = await Open.custom({
      size: async () => (await handle.stat()).size,
      stream: (offset: number) => {
        const read = Readable.from(bytesFrom(handle, offset), { objectMode: false });
        reads.add(read);
        return read;
      },
    });
    yield* new ArchiveWorkbookReader(archive);
  } finally {
    for (const read of reads) read.destroy();
  }
}

const CHUNK_BYTES = 64 * 1024;

/**
 * The file's bytes from `offset` on. Not `handle.createReadStream()`: unzipper destroys a part's
 * stream once the part is read, and destroying a file stream closes its file.
 */
async function* bytesFrom(handle: FileHandle, offset: number): AsyncGenerator<Buffer> {
  for (let position = offset; ;) {
    const { bytesRead, buffer } = await handle.read(
      Buffer.allocUnsafe(CHUNK_BYTES),
      0,
      CHUNK_BYTES,
      position,
    );
    if (bytesRead === 0) return;
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

/** The parts of exceljs's reader this one drives; they take any stream of the part's bytes. */
interface ReaderParts {
  _parseRels(part: Readable): Promise<void>;
  _parseWorkbook(part: Readable): Promise<void>;
  _parseSharedStrings(part: Readable): AsyncGenerator<unknown>;
  _parseStyles(part: Readable): Promise<void>;
  _parseWorksheet(rows: AsyncIterable<unknown>, sheetNo: string): Generator<unknown>;
}

const SHEET_PART = /^xl\/worksheets\/sheet(\d+)\.xml$/;

class ArchiveWorkbookReader extends ExcelJS.stream.xlsx.WorkbookReader {
  constructor(private readonly archive: CentralDirectory) {
    // exceljs only reads `input` in the parse() this class replaces.
    super(undefined as unknown as string, READER_OPTIONS);
  }

  override async *parse(): AsyncGenerator<unknown> {
    const parts = this as unknown as ReaderParts;
    const entries = new Map(this.archive.files.map((entry) => [entry.path, entry]));
    const part = (path: string): Readable | undefined => entries.get(path)?.stream();

    const rels = part('xl/_rels/workbook.xml.rels');
    if (rels) await parts._parseRels(rels);
    const book = part('xl/workbook.xml');
    if (!book) throw new Error('it has no xl/workbook.xml part');
    await parts._parseWorkbook(book);
    const strings = part('xl/sharedStrings.xml');
    if (strings) yield* parts._parseSharedStrings(strings);
    const styles = part('xl/styles.xml');
    if (styles) await parts._parseStyles(styles);

    for (const { entry, sheetNo } of sheetParts(this.archive.files)) {
      // Opened only when the sheet is read: one passed over costs nothing.
      const rows: AsyncIterable<unknown> = {
        [Symbol.asyncIterator]: () => entry.stream()[Symbol.asyncIterator](),
      };
      yield* parts._parseWorksheet(rows, sheetNo);
    }
  }
}

function sheetParts(entries: readonly ArchiveEntry[]): { entry: ArchiveEntry; sheetNo: string }[] {
  return entries
    .map((entry) => ({ entry, sheetNo: SHEET_PART.exec(entry.path)?.[1] }))
    .filter((sheet): sheet is { entry: ArchiveEntry; sheetNo: string } => sheet.sheetNo !== undefined)
    .sort((a, b) => Number(a.sheetNo) - Number(b.sheetNo));
}
