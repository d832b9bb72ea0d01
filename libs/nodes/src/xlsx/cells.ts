import { NodeParamsError } from '../errors';

/** A cell as it leaves a spreadsheet node: JSON, since step outputs are recorded in events. */
export type CellJson = string | number | boolean | null;

/** A rectangle of cells, 1-based and inclusive; open ends are `Infinity`. */
export interface CellRange {
  readonly top: number;
  readonly left: number;
  readonly bottom: number;
  readonly right: number;
}

export const WHOLE_SHEET: CellRange = { top: 1, left: 1, bottom: Infinity, right: Infinity };

/** `AB` → 28. */
export function columnNumber(letters: string): number {
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n;
}

/** 28 → `AB`. */
export function columnLetters(n: number): string {
  let out = '';
  for (let rest = n; rest > 0; rest = Math.floor((rest - 1) / 26))
    out = String.fromCharCode(65 + ((rest - 1) % 26)) + out;
  return out;
}

const MAX_COLUMN = 16_384;
const MAX_ROW = 1_048_576;

/**
 * Parses an A1 range: `A1:D20`, `B2:F` (rows from 2 down), `B:D` (whole columns), `C3` (one
 * cell). `$` anchors are ignored; corners may come in any order.
 */
export function parseRange(text: string): CellRange {
  const match = /^\$?([A-Za-z]{1,3})\$?(\d+)?(?::\$?([A-Za-z]{1,3})\$?(\d+)?)?$/.exec(text.trim());
  if (match === null)
    throw new NodeParamsError(`range "${text}" is not an A1 range such as "A1:D20", "B2:F" or "B:D"`);
  const [, c1, r1, c2, r2] = match;
  const a = { col: columnNumber(c1), row: r1 === undefined ? undefined : Number(r1) };
  const b =
    c2 === undefined
      ? { col: a.col, row: a.row }
      : { col: columnNumber(c2), row: r2 === undefined ? undefined : Number(r2) };
  for (const corner of [a, b]) {
    if (corner.col > MAX_COLUMN || corner.row === 0 || (corner.row ?? 0) > MAX_ROW)
      throw new NodeParamsError(`range "${text}" lies outside a sheet (XFD1048576 is the last cell)`);
  }
  const given = [a.row, b.row].filter((row): row is number => row !== undefined);
  const top = given.length > 0 ? Math.min(...given) : 1;
  const bottom = a.row === undefined || b.row === undefined ? Infinity : Math.max(a.row, b.row);
  return { top, bottom, left: Math.min(a.col, b.col), right: Math.max(a.col, b.col) };
}

/**
 * Whether a number format shows a date or time, as Excel decides it: after dropping
 * `[colours]`/`[conditions]` and quoted text, any of y m d h s (or b, Buddhist year) remains.
 */
export function isDateFormat(format: string | undefined): boolean {
  if (format === undefined || format === '') return false;
  const bare = format.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, '');
  return /[ymdhsb]/i.test(bare);
}

const EPOCH_1900 = 25_569; // 1970-01-01 as an Excel serial in the 1900 date system
const EPOCH_1904 = 24_107;

/** An Excel serial date (days, UTC) as a `Date`. */
export function serialToDate(serial: number, date1904 = false): Date {
  return new Date(Math.round((serial - (date1904 ? EPOCH_1904 : EPOCH_1900)) * 86_400_000));
}

/**
 * A cell value read by exceljs as JSON: dates as ISO strings, a formula as its last computed
 * value (a date when its cell shows one), rich text and hyperlinks as their text, errors as
 * their code (`#DIV/0!`), empty as `null`.
 */
export function cellToJson(value: unknown, numFmt?: string): CellJson {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'object':
      break;
    default:
      return String(value);
  }
  const cell = value as Record<string, unknown>;
  if ('formula' in cell || 'sharedFormula' in cell || 'result' in cell) {
    const result = cell['result'];
    if (typeof result === 'number' && isDateFormat(numFmt)) return cellToJson(serialToDate(result));
    if (typeof result === 'object' && result !== null && 'error' in result)
      return String((result as { error: unknown }).error);
    return cellToJson(result);
  }
  if (Array.isArray(cell['richText']))
    return (cell['richText'] as { text?: unknown }[]).map((run) => String(run.text ?? '')).join('');
  if ('text' in cell) return cellToJson(cell['text']);
  if ('error' in cell) return String(cell['error']);
  return JSON.stringify(value);
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})?)?$/;

/** A value to write into a cell: what exceljs takes. */
export type CellInput = string | number | boolean | Date | null | { formula: string };

/**
 * A JSON value as a cell: `{ "formula": "SUM(B2:B9)" }` becomes a formula (no leading `=`),
 * an ISO date string a date (when `isoDates`), other objects and arrays their JSON text.
 */
export function jsonToCell(value: unknown, isoDates: boolean, path: string): CellInput {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'boolean':
      return value;
    case 'string': {
      if (isoDates && ISO_DATE.test(value)) {
        const date = new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
        if (!Number.isNaN(date.getTime())) return date;
      }
      return value;
    }
    case 'object': {
      const formula = (value as { formula?: unknown }).formula;
      if (formula !== undefined) {
        if (typeof formula !== 'string' || formula.trim() === '' || Object.keys(value).length !== 1)
          throw new NodeParamsError(`${path}: a formula cell is { "formula": "<text>" } and nothing else`);
        return { formula: formula.replace(/^\s*=/, '') };
      }
      return JSON.stringify(value);
    }
    default:
      return String(value);
  }
}

/** Whether `cell` (as JSON) matches `wanted`: equal, or (for `contains`) containing it, ignoring case. */
export function cellMatches(cell: CellJson, wanted: CellJson, match: 'exact' | 'contains'): boolean {
  if (match === 'contains') {
    if (cell === null || wanted === null) return cell === wanted;
    return String(cell).toLowerCase().includes(String(wanted).toLowerCase());
  }
  if (cell === wanted) return true;
  // A number typed into a sheet as text, or a date searched for by day.
  if (typeof cell === 'string' && typeof wanted === 'number') return cell.trim() === String(wanted);
  if (typeof cell === 'number' && typeof wanted === 'string') return String(cell) === wanted.trim();
  if (typeof cell === 'string' && typeof wanted === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(wanted))
    return cell.startsWith(`${wanted}T00:00:00.000Z`);
  return false;
}

/** Column names from a header row: blank ones by their letter, repeated ones suffixed `_2`, `_3`. */
export function headerNames(cells: readonly CellJson[], firstColumn: number): string[] {
  const seen = new Map<string, number>();
  return cells.map((cell, i) => {
    const base = cell === null || String(cell).trim() === '' ? columnLetters(firstColumn + i) : String(cell);
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return count === 1 ? base : `${base}_${count}`;
  });
}
