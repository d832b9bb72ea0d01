import { NodeParamsError } from '../errors';

/** A run of text on a page, in PDF points with the origin at the bottom left. */
export interface TextItem {
  readonly str: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A straight line drawn on a page (a table rule), in page points. */
export interface Segment {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

/**
 * `"1-3,5"` → `[1, 2, 3, 5]` within `pageCount`; `undefined` → every page. `"4-"` runs to the
 * last page. Out-of-range pages are refused with the count there is.
 */
export function parsePages(spec: string | undefined, pageCount: number): number[] {
  if (spec === undefined || spec.trim() === '') return Array.from({ length: pageCount }, (_, i) => i + 1);
  const pages = new Set<number>();
  for (const part of spec.split(',')) {
    const match = /^\s*(\d+)\s*(?:-\s*(\d*)\s*)?$/.exec(part);
    if (match === null)
      throw new NodeParamsError(`pages: "${part.trim()}" is not a page or a range like 2-4`);
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : match[2] === '' ? pageCount : Number(match[2]);
    if (from < 1 || to < from || to > pageCount)
      throw new NodeParamsError(
        `pages: ${part.trim()} is outside the document's ${pageCount} page${pageCount === 1 ? '' : 's'}`,
      );
    for (let page = from; page <= to; page++) pages.add(page);
  }
  return [...pages].sort((a, b) => a - b);
}

/** Items grouped into lines, top to bottom, each line left to right. */
export function textLines(items: readonly TextItem[]): TextItem[][] {
  const sorted = items.filter((item) => item.str.trim() !== '').sort((a, b) => b.y - a.y || a.x - b.x);
  const lines: { y: number; height: number; items: TextItem[] }[] = [];
  for (const item of sorted) {
    const line = lines.find(
      (l) => Math.abs(l.y - item.y) <= Math.max(1, Math.min(l.height, item.height) * 0.5),
    );
    if (line === undefined) lines.push({ y: item.y, height: item.height, items: [item] });
    else line.items.push(item);
  }
  return lines.sort((a, b) => b.y - a.y).map((line) => line.items.sort((a, b) => a.x - b.x));
}

/** One line's text: items joined, with a space where the gap between them is wider than a narrow space. */
export function lineText(items: readonly TextItem[]): string {
  let text = '';
  let end: number | undefined;
  for (const item of items) {
    const gap = end === undefined ? 0 : item.x - end;
    if (end !== undefined && gap > item.height * 0.15 && !text.endsWith(' ') && !item.str.startsWith(' '))
      text += ' ';
    text += item.str;
    end = item.x + item.width;
  }
  return text.trim();
}

/** A page's text, line by line. */
export function pageText(items: readonly TextItem[]): string {
  return textLines(items).map(lineText).join('\n');
}

const TOLERANCE = 2;

/** Values within `TOLERANCE` of each other, merged to their mean, ascending. */
function cluster(values: readonly number[]): number[] {
  const out: { sum: number; n: number }[] = [];
  for (const value of [...values].sort((a, b) => a - b)) {
    const last = out[out.length - 1];
    if (last !== undefined && value - last.sum / last.n <= TOLERANCE) {
      last.sum += value;
      last.n++;
    } else out.push({ sum: value, n: 1 });
  }
  return out.map(({ sum, n }) => sum / n);
}

/**
 * Ruled tables on a page: horizontal rules sharing a left and right edge make a table's row
 * boundaries, the vertical rules between them its column boundaries; each cell's text is the
 * text inside it. Returns each table's rows of cell texts, top to bottom.
 */
export function ruledTables(items: readonly TextItem[], segments: readonly Segment[]): string[][][] {
  const horizontal = segments
    .filter((s) => Math.abs(s.y1 - s.y2) <= 1 && Math.abs(s.x1 - s.x2) > TOLERANCE * 2)
    .map((s) => ({ y: (s.y1 + s.y2) / 2, left: Math.min(s.x1, s.x2), right: Math.max(s.x1, s.x2) }));
  const vertical = segments
    .filter((s) => Math.abs(s.x1 - s.x2) <= 1 && Math.abs(s.y1 - s.y2) > TOLERANCE * 2)
    .map((s) => ({ x: (s.x1 + s.x2) / 2, bottom: Math.min(s.y1, s.y2), top: Math.max(s.y1, s.y2) }));
  // Rules of one table span the same width; a rule drawn in pieces (cell by cell) is joined first.
  const spans: { left: number; right: number; ys: number[] }[] = [];
  for (const rule of joinCollinear(horizontal)) {
    const span = spans.find(
      (s) => Math.abs(s.left - rule.left) <= TOLERANCE * 2 && Math.abs(s.right - rule.right) <= TOLERANCE * 2,
    );
    if (span === undefined) spans.push({ left: rule.left, right: rule.right, ys: [rule.y] });
    else span.ys.push(rule.y);
  }
  const tables: { top: number; rows: string[][] }[] = [];
  for (const span of spans) {
    const ys = cluster(span.ys).sort((a, b) => b - a);
    if (ys.length < 2) continue;
    const top = ys[0];
    const bottom = ys[ys.length - 1];
    const xs = cluster([
      span.left,
      span.right,
      ...vertical
        .filter(
          (v) =>
            v.x >= span.left - TOLERANCE &&
            v.x <= span.right + TOLERANCE &&
            v.top >= bottom - TOLERANCE &&
            v.bottom <= top + TOLERANCE,
        )
        .map((v) => v.x),
    ]);
    if (xs.length < 2) continue;
    const rows: string[][] = [];
    for (let r = 0; r + 1 < ys.length; r++) {
      const row: string[] = [];
      for (let c = 0; c + 1 < xs.length; c++) {
        const inside = items.filter((item) => {
          const cx = item.x + item.width / 2;
          const cy = item.y + item.height / 3;
          return cx > xs[c] && cx < xs[c + 1] && cy < ys[r] && cy > ys[r + 1];
        });
        row.push(textLines(inside).map(lineText).join(' '));
      }
      rows.push(row);
    }
    tables.push({ top, rows });
  }
  return tables.sort((a, b) => b.top - a.top).map((table) => table.rows);
}

function joinCollinear(
  rules: readonly { y: number; left: number; right: number }[],
): { y: number; left: number; right: number }[] {
  const sorted = [...rules].sort((a, b) => a.y - b.y || a.left - b.left);
  const out: { y: number; left: number; right: number }[] = [];
  for (const rule of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && Math.abs(last.y - rule.y) <= 1 && rule.left <= last.right + TOLERANCE)
      last.right = Math.max(last.right, rule.right);
    else out.push({ ...rule });
  }
  return out;
}

/** Lines of a borderless table at least: a header and two rows, so two aligned lines of prose are not one. */
const MIN_BORDERLESS_ROWS = 3;

/**
 * Tables drawn without rules, found from where the text stands: consecutive lines that each
 * split into two or more cells (runs of text separated by a gap wider than about one character
 * height) and whose cells fall into the same column bands (the union of the cells' horizontal
 * extents, so left-, right- and centre-aligned columns all work). A band a line leaves empty is an
 * empty cell. Returns each table's rows of cell texts, top to bottom.
 */
export function borderlessTables(items: readonly TextItem[]): string[][][] {
  const lines = textLines(items).map((line) => ({
    y: line[0]?.y ?? 0,
    height: Math.max(...line.map((i) => i.height)),
    cells: cellsOf(line),
  }));
  const tables: string[][][] = [];
  let run: typeof lines = [];
  const close = () => {
    const table = alignedRows(run.map((line) => line.cells));
    if (table !== undefined) tables.push(table);
    run = [];
  };
  for (const line of lines) {
    const previous = run[run.length - 1];
    const adjacent =
      previous === undefined || previous.y - line.y <= Math.max(previous.height, line.height) * 2.5;
    if (line.cells.length < 2 || !adjacent) close();
    if (line.cells.length >= 2) run.push(line);
  }
  close();
  return tables;
}

interface Cell {
  readonly left: number;
  readonly right: number;
  readonly text: string;
}

function cellsOf(line: readonly TextItem[]): Cell[] {
  const cells: { left: number; right: number; items: TextItem[] }[] = [];
  for (const item of line) {
    const last = cells[cells.length - 1];
    if (last !== undefined && item.x - last.right <= Math.max(item.height * 0.9, 4)) {
      last.items.push(item);
      last.right = Math.max(last.right, item.x + item.width);
    } else cells.push({ left: item.x, right: item.x + item.width, items: [item] });
  }
  return cells.map((c) => ({ left: c.left, right: c.right, text: lineText(c.items) }));
}

/** The run's rows by column band, or `undefined` when it is too short or its cells do not line up. */
function alignedRows(lines: readonly Cell[][]): string[][] | undefined {
  if (lines.length < MIN_BORDERLESS_ROWS) return undefined;
  const bands: { left: number; right: number }[] = [];
  for (const cell of lines.flat().sort((a, b) => a.left - b.left)) {
    const last = bands[bands.length - 1];
    if (last !== undefined && cell.left <= last.right + TOLERANCE)
      last.right = Math.max(last.right, cell.right);
    else bands.push({ left: cell.left, right: cell.right });
  }
  if (bands.length < 2) return undefined;
  const rows: string[][] = [];
  for (const cells of lines) {
    const row = bands.map(() => '');
    for (const cell of cells) {
      const column = bands.findIndex(
        (band) => cell.left >= band.left - TOLERANCE && cell.right <= band.right + TOLERANCE,
      );
      if (row[column] !== '') return undefined; // two cells of one line in one band: not columns
      row[column] = cell.text;
    }
    rows.push(row);
  }
  return rows;
}
