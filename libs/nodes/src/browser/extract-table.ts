import { setTimeout as sleep } from 'node:timers/promises';
import type { NodeContext } from '../contract';
import { NodeTimeoutError } from '../errors';
import { throwIfAborted } from '../shared/abort';
import { click } from './click';
import { browserTarget, onElement, type BrowserTarget } from './target';

export interface TablePage {
  /** Column names, or `null` when the table has no header row. */
  headers: string[] | null;
  rows: string[][];
}

const MAX_ROWS = 100_000;

/**
 * Runs inside the page. Headers come from the last `thead` row, or from a first row made
 * only of `th` cells. A row that is a single cell spanning the table is a message
 * ("No orders yet."), not data.
 */
export function readTableInPage(table: Element): TablePage {
  const text = (cell: Element) =>
    ((cell as HTMLElement).innerText ?? cell.textContent ?? '').replace(/\s+/g, ' ').trim();
  const cellsOf = (row: Element) =>
    Array.from(row.children).filter((c) => c.tagName === 'TD' || c.tagName === 'TH');
  const own = (row: Element) => row.closest('table') === table;
  const headRows = Array.from(table.querySelectorAll('thead tr')).filter(own);
  let bodyRows = Array.from(table.querySelectorAll('tr')).filter(
    (row) => own(row) && row.parentElement?.tagName !== 'THEAD',
  );
  let headerRow = headRows.at(-1);
  if (
    headerRow === undefined &&
    bodyRows[0] !== undefined &&
    cellsOf(bodyRows[0]).every((c) => c.tagName === 'TH')
  ) {
    headerRow = bodyRows[0];
    bodyRows = bodyRows.slice(1);
  }
  const headers = headerRow === undefined ? null : cellsOf(headerRow).map(text);
  const width = headers?.length ?? 0;
  const rows = bodyRows
    .map(cellsOf)
    .filter(
      (cells) =>
        !(width > 1 && cells.length === 1 && Number(cells[0]?.getAttribute('colspan') ?? 1) >= width),
    )
    .map((cells) => cells.map(text));
  return { headers, rows };
}

export function keyRows(page: TablePage): (Record<string, string> | string[])[] {
  if (page.headers === null) return page.rows;
  const seen = new Map<string, number>();
  const keys = page.headers.map((header, i) => {
    const base = header === '' ? `column${i + 1}` : header;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}_${n}`;
  });
  return page.rows.map((cells) => Object.fromEntries(keys.map((key, i) => [key, cells[i] ?? ''])));
}

export async function extractTable(
  context: NodeContext,
  params: { selector: string; nextPageSelector?: string | undefined; maxPages: number },
): Promise<{ rows: (Record<string, string> | string[])[]; pages: number }> {
  const rows: (Record<string, string> | string[])[] = [];
  for (let pages = 1; ; pages++) {
    const target = await browserTarget(context);
    const table = await onElement(context, target, params.selector, (locator, timeout) =>
      locator.evaluate(readTableInPage, undefined, { timeout }),
    );
    rows.push(...keyRows(table).slice(0, MAX_ROWS - rows.length));
    if (params.nextPageSelector === undefined || pages >= params.maxPages || rows.length >= MAX_ROWS)
      return { rows, pages };
    if (!(await nextPage(context, target, params.selector, params.nextPageSelector))) return { rows, pages };
  }
}

/** Clicks "next" when there is an enabled one, then waits until the table (or the URL) changed. */
async function nextPage(
  context: NodeContext,
  target: BrowserTarget,
  tableSelector: string,
  nextSelector: string,
): Promise<boolean> {
  const next = target.frame.locator(nextSelector).first();
  if ((await next.count()) === 0 || !(await next.isVisible())) return false;
  if ((await next.isDisabled()) || (await next.getAttribute('aria-disabled')) === 'true') return false;
  const signature = () =>
    target.frame
      .locator(tableSelector)
      .innerText({ timeout: 1000 })
      .then(
        (text) => `${target.page.url()}\n${text}`,
        () => undefined,
      );
  const before = await signature();
  await onElement(
    context,
    target,
    nextSelector,
    (locator, timeout) => click(locator, target.frame, timeout),
    (frame) => frame.locator(nextSelector).first(),
  );
  const deadline = Date.now() + target.timeout;
  while (Date.now() < deadline) {
    throwIfAborted(context.signal);
    const now = await signature();
    if (now !== undefined && now !== before) {
      await target.page.waitForLoadState('domcontentloaded', { timeout: target.timeout });
      return true;
    }
    await sleep(100);
  }
  throw new NodeTimeoutError(`The table "${tableSelector}" did not change after clicking "${nextSelector}"`);
}
