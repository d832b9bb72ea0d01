import { createHash } from 'node:crypto';
import * as ExcelJS from 'exceljs';
import type { NodeContext, NodeHandler } from '../contract';
import { NodeError, NodeParamsError } from '../errors';
import type { ConfinedFolder } from '../files/confined-folder';
import { throwIfAborted } from '../shared/abort';
import { implement } from '../shared/define-handler';
import { openSeekable, type SeekableSource } from '../shared/file-source';
import { worksheetsOf } from './workbook-archive';
import {
  WHOLE_SHEET,
  cellMatches,
  cellToJson,
  columnLetters,
  headerNames,
  isDateFormat,
  jsonToCell,
  parseRange,
  type CellInput,
  type CellJson,
  type CellRange,
} from './cells';

const DEFAULT_MAX_ROWS = 10_000;
const DEFAULT_FIND_LIMIT = 1_000;
const DATE_FORMAT = 'yyyy-mm-dd';
const DATE_TIME_FORMAT = 'yyyy-mm-dd hh:mm:ss';

/** One non-empty row of a sheet: its number and its cells from the range's first column. */
interface SheetRow {
  readonly number: number;
  readonly cells: CellJson[];
}

/** The `xlsx.*` handlers: reads stream the workbook, writes replace the file atomically. */
export function xlsxHandlers(folder: ConfinedFolder): NodeHandler[] {
  return [
    implement(
      'xlsx.read',
      async ({ file, sheet, range, header = true, maxRows = DEFAULT_MAX_ROWS }, context) => {
        const area = range === undefined ? WHOLE_SHEET : parseRange(range);
        let columns: string[] | undefined;
        const rows: unknown[] = [];
        const name = await scanSheet(file, folder, context, sheet, area, (row) => {
          if (header && columns === undefined) {
            columns = headerNames(row.cells, area.left);
            return;
          }
          if (rows.length === maxRows)
            throw new NodeParamsError(
              `${file}: the sheet has more than ${maxRows} rows${range ? ` in ${range}` : ''}; narrow range or raise maxRows`,
            );
          rows.push(columns === undefined ? row.cells : toRecord(columns, row.cells, area.left));
        });
        return { rows, count: rows.length, sheet: name, ...(columns ? { columns } : {}) };
      },
    ),

    implement(
      'xlsx.findRows',
      async ({ file, sheet, range, where, match = 'exact', limit = DEFAULT_FIND_LIMIT }, context) => {
        const area = range === undefined ? WHOLE_SHEET : parseRange(range);
        let columns: string[] | undefined;
        const rows: Record<string, CellJson>[] = [];
        const rowNumbers: number[] = [];
        let count = 0;
        const name = await scanSheet(file, folder, context, sheet, area, (row) => {
          if (columns === undefined) {
            columns = headerNames(row.cells, area.left);
            const missing = Object.keys(where).find((key) => !columns?.includes(key));
            if (missing !== undefined)
              throw new NodeParamsError(
                `where.${missing}: the header row has no column "${missing}" (columns: ${columns.join(', ')})`,
              );
            return;
          }
          const record = toRecord(columns, row.cells, area.left);
          if (
            !Object.entries(where).every(([key, wanted]) => cellMatches(record[key] ?? null, wanted, match))
          )
            return;
          count++;
          if (rows.length < limit) {
            rows.push(record);
            rowNumbers.push(row.number);
          }
        });
        return { rows, rowNumbers, count, sheet: name };
      },
    ),

    implement('xlsx.write', async ({ file, sheet = 'Sheet1', rows, header, isoDates = true }, { signal }) => {
      throwIfAborted(signal);
      const table = tabulate(rows, header, isoDates);
      const written = await folder.writeAtomically(file, async (stream) => {
        const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
          stream,
          useStyles: true,
          useSharedStrings: true,
        });
        const worksheet = workbook.addWorksheet(sheet);
        if (table.header !== undefined) {
          const row = worksheet.addRow(table.header);
          row.font = { bold: true };
          row.commit();
        }
        for (const record of table.records) {
          throwIfAborted(signal);
          const row = worksheet.addRow(record);
          record.forEach((value, i) => {
            if (value instanceof Date) row.getCell(i + 1).numFmt = dateFormatOf(value);
          });
          row.commit();
        }
        worksheet.commit();
        await workbook.commit();
      });
      return { file: written, sheet, count: table.records.length };
    }),

    implement('xlsx.appendRows', async ({ file, sheet, rows, headerRow = 1, isoDates = true }, context) => {
      const { signal } = context;
      throwIfAborted(signal);
      const workbook = new ExcelJS.Workbook();
      const bytes = await folder.readFile(file);
      try {
        // exceljs types its Buffer as its own ArrayBuffer-like interface; Node's Buffer is what it reads.
        await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
      } catch (error) {
        throw notAWorkbook(file, error);
      }
      const worksheet = pickWorksheet(workbook, sheet, file);
      const key = context.idempotencyKey === undefined ? undefined : appendKeyOf(context);
      const done = key === undefined ? undefined : recordedAppend(workbook, key);
      if (done !== undefined) return { file, ...done, alreadyApplied: true };
      const last = lastUsedRow(worksheet);
      const objects = rows.length > 0 && !Array.isArray(rows[0]);
      if (rows.some((row) => Array.isArray(row) === objects))
        throw new NodeParamsError('rows: give all rows as arrays or all as objects');
      const columnOf = objects ? headerColumns(worksheet, headerRow, file) : undefined;
      // New cells look like the last data row's: its number formats, fonts, borders, fills.
      const template = last > (objects ? headerRow : 0) ? worksheet.getRow(last) : undefined;
      rows.forEach((input, i) => {
        const row = worksheet.getRow(last + 1 + i);
        const cells: [number, CellInput][] = Array.isArray(input)
          ? input.map((value, c) => [c + 1, jsonToCell(value, isoDates, `rows[${i}][${c}]`)])
          : Object.entries(input).map(([key, value]) => {
              const column = columnOf?.get(key);
              if (column === undefined)
                throw new NodeParamsError(
                  `rows[${i}].${key}: row ${headerRow} of "${worksheet.name}" has no column "${key}" (columns: ${[...(columnOf?.keys() ?? [])].join(', ')})`,
                );
              return [column, jsonToCell(value, isoDates, `rows[${i}].${key}`)];
            });
        if (template !== undefined) {
          if (template.height !== undefined) row.height = template.height;
          template.eachCell({ includeEmpty: true }, (source, column) => {
            row.getCell(column).style = structuredClone(source.style ?? {});
          });
        }
        for (const [column, value] of cells) {
          const cell = row.getCell(column);
          cell.value = value as ExcelJS.CellValue;
          if (value instanceof Date && !isDateFormat(cell.numFmt)) cell.numFmt = dateFormatOf(value);
        }
      });
      const appended = {
        sheet: worksheet.name,
        count: rows.length,
        firstRow: last + 1,
        lastRow: last + rows.length,
      };
      // in the same file as the rows, so one rename commits both or neither
      if (key !== undefined) recordAppend(workbook, key, appended);
      throwIfAborted(signal);
      const updated = Buffer.from(await workbook.xlsx.writeBuffer());
      const written = await folder.writeAtomically(file, async (stream) => {
        stream.end(updated);
      });
      return { file: written, ...appended, alreadyApplied: false };
    }),
  ];
}

/** The very hidden sheet where keyed appends are recorded (ADR 51). */
export const APPEND_LEDGER_SHEET = '_aether_appends';

interface Append {
  readonly sheet: string;
  readonly count: number;
  readonly firstRow: number;
  readonly lastRow: number;
}

/** Job, step and idempotency key as one digest: the workbook holds no job data beyond it. */
function appendKeyOf(context: NodeContext): string {
  return createHash('sha256')
    .update(JSON.stringify([context.tenantId, context.jobId, context.stepKey, context.idempotencyKey]))
    .digest('base64url');
}

function recordedAppend(workbook: ExcelJS.Workbook, key: string): Append | undefined {
  const ledger = workbook.getWorksheet(APPEND_LEDGER_SHEET);
  let found: Append | undefined;
  ledger?.eachRow((row) => {
    if (found !== undefined || row.getCell(1).value !== key) return;
    const [sheet, count, firstRow, lastRow] = [2, 3, 4, 5].map((c) => row.getCell(c).value);
    found = {
      sheet: String(sheet),
      count: Number(count),
      firstRow: Number(firstRow),
      lastRow: Number(lastRow),
    };
  });
  return found;
}

function recordAppend(workbook: ExcelJS.Workbook, key: string, append: Append): void {
  const ledger =
    workbook.getWorksheet(APPEND_LEDGER_SHEET) ??
    workbook.addWorksheet(APPEND_LEDGER_SHEET, { state: 'veryHidden' });
  ledger.addRow([key, append.sheet, append.count, append.firstRow, append.lastRow, new Date().toISOString()]);
}

/**
 * Streams one sheet of a workbook through `visit`, row by row within `area`, skipping empty
 * rows; resolves to the sheet's name. The rest of the file is read past, never held.
 */
async function scanSheet(
  file: string,
  folder: ConfinedFolder,
  context: NodeContext,
  wanted: string | number | undefined,
  area: CellRange,
  visit: (row: SheetRow) => void,
): Promise<string> {
  const source = await openSeekable(file, folder, context);
  const names: string[] = [];
  let name: string | undefined;
  try {
    name = await scanOnce(source, wanted, area, context.signal, visit, names);
  } catch (error) {
    throw notAWorkbook(file, error);
  } finally {
    if ('handle' in source) await source.handle.close();
  }
  if (name !== undefined) return name;
  throw new NodeParamsError(
    `sheet: ${typeof wanted === 'number' ? `the workbook has no sheet number ${wanted}` : `no sheet "${String(wanted)}"`} in ${file} (sheets: ${names.join(', ') || 'none'})`,
  );
}

/** One pass over the workbook; the chosen sheet's name, or undefined when no sheet matched. */
async function scanOnce(
  source: SeekableSource,
  wanted: string | number | undefined,
  area: CellRange,
  signal: AbortSignal,
  visit: (row: SheetRow) => void,
  names: string[],
): Promise<string | undefined> {
  let emitted = 0;
  for await (const worksheet of worksheetsOf(source)) {
    emitted++;
    const { name, position } = describeSheet(worksheet, emitted);
    names.push(name);
    const chosen =
      wanted === undefined
        ? position === 1
        : typeof wanted === 'number'
          ? position === wanted
          : name === wanted;
    if (!chosen) continue;
    for await (const row of worksheet) {
      throwIfAborted(signal);
      if (row.number < area.top) continue;
      if (row.number > area.bottom) break;
      const cells: CellJson[] = [];
      for (let c = area.left; c <= Math.min(area.right, row.cellCount); c++) {
        const cell = row.getCell(c);
        cells.push(cellToJson(cell.value, cell.numFmt));
      }
      if (cells.every((cell) => cell === null)) continue;
      visit({ number: row.number, cells });
    }
    return name;
  }
  return undefined;
}

/** The reader knows a sheet's name and tab position once it has read the workbook part. */
function describeSheet(worksheet: object, emitted: number): { name: string; position: number } {
  const sheet = worksheet as {
    id?: unknown;
    name?: unknown;
    workbook?: { model?: { sheets?: { id?: unknown }[] } };
  };
  const tabs = sheet.workbook?.model?.sheets;
  const index = tabs?.findIndex((tab) => tab.id === sheet.id) ?? -1;
  return { name: String(sheet.name ?? `Sheet${emitted}`), position: index >= 0 ? index + 1 : emitted };
}

function notAWorkbook(file: string, error: unknown): NodeError {
  if (error instanceof NodeError) return error;
  return new NodeParamsError(`${file} is not a readable .xlsx workbook: ${(error as Error).message}`, {
    cause: error,
  });
}

function toRecord(
  columns: readonly string[],
  cells: readonly CellJson[],
  left: number,
): Record<string, CellJson> {
  const record: Record<string, CellJson> = {};
  columns.forEach((column, i) => (record[column] = cells[i] ?? null));
  for (let i = columns.length; i < cells.length; i++) record[columnLetters(left + i)] = cells[i];
  return record;
}

/** Object rows under their header (default: every key, in first-seen order); array rows as they are. */
function tabulate(
  rows: ReadonlyArray<unknown[] | Record<string, unknown>>,
  header: readonly string[] | undefined,
  isoDates: boolean,
): { header?: string[]; records: CellInput[][] } {
  if (rows.every(Array.isArray))
    return {
      ...(header ? { header: [...header] } : {}),
      records: rows.map((row, i) =>
        (row as unknown[]).map((v, c) => jsonToCell(v, isoDates, `rows[${i}][${c}]`)),
      ),
    };
  if (rows.some(Array.isArray)) throw new NodeParamsError('rows: give all rows as arrays or all as objects');
  const columns = header ? [...header] : [...new Set(rows.flatMap((row) => Object.keys(row)))];
  return {
    header: columns,
    records: rows.map((row, i) =>
      columns.map((column) =>
        jsonToCell((row as Record<string, unknown>)[column], isoDates, `rows[${i}].${column}`),
      ),
    ),
  };
}

function pickWorksheet(
  workbook: ExcelJS.Workbook,
  sheet: string | number | undefined,
  file: string,
): ExcelJS.Worksheet {
  const sheets = workbook.worksheets;
  const found =
    sheet === undefined
      ? sheets[0]
      : typeof sheet === 'number'
        ? sheets[sheet - 1]
        : workbook.getWorksheet(sheet);
  if (found === undefined)
    throw new NodeParamsError(
      `sheet: ${typeof sheet === 'number' ? `the workbook has no sheet number ${sheet}` : `no sheet "${String(sheet)}"`} in ${file} (sheets: ${sheets.map((s) => s.name).join(', ') || 'none'})`,
    );
  return found;
}

/** The last row holding a value (a styled but empty row does not count); 0 for an empty sheet. */
function lastUsedRow(worksheet: ExcelJS.Worksheet): number {
  let last = 0;
  worksheet.eachRow({ includeEmpty: false }, (row, number) => {
    if (row.hasValues) last = Math.max(last, number);
  });
  return last;
}

function headerColumns(worksheet: ExcelJS.Worksheet, headerRow: number, file: string): Map<string, number> {
  const columns = new Map<string, number>();
  worksheet.getRow(headerRow).eachCell({ includeEmpty: false }, (cell, column) => {
    const name = cellToJson(cell.value, cell.numFmt);
    if (name !== null && !columns.has(String(name))) columns.set(String(name), column);
  });
  if (columns.size === 0)
    throw new NodeParamsError(
      `headerRow: row ${headerRow} of "${worksheet.name}" in ${file} is empty; object rows need a header row to be placed by`,
    );
  return columns;
}

function dateFormatOf(date: Date): string {
  return date.getTime() % 86_400_000 === 0 ? DATE_FORMAT : DATE_TIME_FORMAT;
}
