import { parse as parseCsv } from 'csv-parse/sync';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import type { Locale } from 'date-fns';
import * as dateLocales from 'date-fns/locale';
import { formatInTimeZone } from 'date-fns-tz';
import { isTimeZone } from '@aether/contracts';
import type { NodeHandler } from '../contract';
import { NodeParamsError } from '../errors';
import type { ConfinedFolder } from '../files/confined-folder';
import { throwIfAborted } from '../shared/abort';
import { implement } from '../shared/define-handler';
import { readFileSource } from '../shared/file-source';
import { searchRegex } from './regex';

const MAX_CSV_ROWS = 100_000;

export function dataHandlers(folder: ConfinedFolder): NodeHandler[] {
  return [
    implement('data.set', async ({ values }) => ({ values })),

    implement('data.csvParse', async ({ text, file, header = true, delimiter = ',' }, context) => {
      throwIfAborted(context.signal);
      const source =
        text ?? Buffer.from((await readFileSource(file ?? '', folder, context)).bytes).toString('utf8');
      let rows: unknown[];
      try {
        rows = parseCsv(source, {
          columns: header,
          delimiter,
          bom: true,
          skip_empty_lines: true,
          relax_column_count: !header,
          to: MAX_CSV_ROWS + 1,
        });
      } catch (error) {
        throw new NodeParamsError(`The CSV cannot be parsed: ${(error as Error).message}`, { cause: error });
      }
      if (rows.length > MAX_CSV_ROWS) throw new NodeParamsError(`The CSV has more than ${MAX_CSV_ROWS} rows`);
      return { rows, count: rows.length };
    }),

    implement('data.csvWrite', async ({ rows, file, header }, { signal }) => {
      throwIfAborted(signal);
      const text = toCsv(rows, header);
      if (file === undefined) return { text, count: rows.length };
      return { text, file: await folder.writeFile(file, Buffer.from(text, 'utf8')), count: rows.length };
    }),

    implement('data.jsonParse', async ({ text }) => {
      try {
        return { value: JSON.parse(text) as unknown };
      } catch (error) {
        throw new NodeParamsError(`text is not valid JSON: ${(error as Error).message}`, { cause: error });
      }
    }),

    implement('data.jsonStringify', async ({ value, indent }) => ({
      text: JSON.stringify(value ?? null, null, indent),
    })),

    implement('data.regex', async ({ text, pattern, flags }) => {
      const { matches, captures, groups } = searchRegex(text, pattern, flags);
      return {
        match: matches[0] ?? null,
        matches,
        groups: captures[0] ?? [],
        namedGroups: groups,
        captures,
      };
    }),

    implement('data.formatDate', async ({ date, format, timeZone = 'UTC', locale }) => {
      const value = new Date(date);
      if (Number.isNaN(value.getTime())) throw new NodeParamsError(`"${date}" is not a date`);
      if (!isTimeZone(timeZone)) throw new NodeParamsError(`"${timeZone}" is not an IANA time zone`);
      try {
        return { text: formatInTimeZone(value, timeZone, format, { locale: dateLocale(locale) }) };
      } catch (error) {
        throw new NodeParamsError(`format "${format}" is invalid: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }),

    implement('data.formatNumber', async ({ value, locale = 'en-US', options }) => {
      try {
        return {
          text: new Intl.NumberFormat(locale, options as Intl.NumberFormatOptions).format(Number(value)),
        };
      } catch (error) {
        throw new NodeParamsError(`Cannot format number: ${(error as Error).message}`, { cause: error });
      }
    }),
  ];
}

/**
 * Object rows are written under `header` (default: the union of their keys, in first-seen
 * order); array rows as they are, after `header` when one is given.
 */
function toCsv(rows: ReadonlyArray<unknown[] | Record<string, unknown>>, header?: readonly string[]): string {
  const cell = (value: unknown): string | number | boolean | null =>
    value === undefined || value === null
      ? null
      : typeof value === 'object'
        ? JSON.stringify(value)
        : (value as string | number | boolean);
  if (rows.every(Array.isArray)) {
    const records = rows.map((row) => (row as unknown[]).map(cell));
    return stringifyCsv(header === undefined ? records : [[...header], ...records]);
  }
  if (rows.some(Array.isArray)) throw new NodeParamsError('rows must be all arrays or all objects');
  const columns = header ?? [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const records = rows.map((row) => columns.map((column) => cell((row as Record<string, unknown>)[column])));
  return stringifyCsv(records, { header: true, columns });
}

/** A BCP 47 tag to a date-fns locale: `de-AT` → `deAT`, else `de`; default `enUS`. */
function dateLocale(tag: string | undefined): Locale {
  if (tag === undefined) return dateLocales.enUS;
  const [language = '', region = ''] = tag.split(/[-_]/);
  const all = dateLocales as Record<string, Locale>;
  const found = all[language.toLowerCase() + region.toUpperCase()] ?? all[language.toLowerCase()];
  if (found === undefined) throw new NodeParamsError(`locale "${tag}" is not supported for dates`);
  return found;
}
