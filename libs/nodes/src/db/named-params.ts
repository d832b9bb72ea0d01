import { NodeParamsError } from '../errors';

export type SqlDialect = 'postgres' | 'mysql';

/** A statement ready for the driver: placeholders in the dialect's syntax and their values in order. */
export interface CompiledSql {
  readonly text: string;
  readonly values: unknown[];
}

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const DOLLAR_TAG = /\$([A-Za-z_][A-Za-z0-9_]*)?\$/y;

/**
 * Turns `:name` parameters into the dialect's placeholders (`$1` for PostgreSQL, `?` for
 * MySQL) and collects their values; values never become SQL text. String literals, quoted
 * identifiers, comments, PostgreSQL dollar quotes and `::` casts are skipped. A name the
 * params lack, a param the SQL does not use, and positional placeholders are refused.
 */
export function compileNamedSql(
  sql: string,
  params: Readonly<Record<string, unknown>>,
  dialect: SqlDialect,
): CompiledSql {
  let text = '';
  const values: unknown[] = [];
  const positions = new Map<string, number>();
  const used = new Set<string>();
  let i = 0;
  const skipQuoted = (quote: string, backslashEscapes: boolean): void => {
    let j = i + 1;
    for (;;) {
      if (j >= sql.length) throw new NodeParamsError(`sql: unterminated ${quote} quote`);
      const ch = sql[j];
      if (backslashEscapes && ch === '\\') j += 2;
      else if (ch === quote && sql[j + 1] === quote) j += 2;
      else if (ch === quote) break;
      else j++;
    }
    text += sql.slice(i, j + 1);
    i = j + 1;
  };
  const skipUntil = (end: string, from: number): void => {
    const j = sql.indexOf(end, from);
    const stop = j < 0 ? sql.length : j + end.length;
    text += sql.slice(i, stop);
    i = stop;
  };
  while (i < sql.length) {
    const ch = sql[i];
    const next = sql[i + 1];
    if (
      (ch === 'E' || ch === 'e') &&
      next === "'" &&
      dialect === 'postgres' &&
      !/\w/.test(sql[i - 1] ?? '')
    ) {
      text += ch;
      i++;
      skipQuoted("'", true);
    } else if (ch === "'" || ch === '"') skipQuoted(ch, dialect === 'mysql');
    else if (ch === '`' && dialect === 'mysql') skipQuoted('`', false);
    else if (ch === '-' && next === '-') skipUntil('\n', i);
    else if (ch === '#' && dialect === 'mysql') skipUntil('\n', i);
    else if (ch === '/' && next === '*') skipUntil('*/', i + 2);
    else if (ch === '$' && dialect === 'postgres') {
      DOLLAR_TAG.lastIndex = i;
      const tag = DOLLAR_TAG.exec(sql);
      if (tag !== null) skipUntil(tag[0], i + tag[0].length);
      else if (/\d/.test(next ?? ''))
        throw new NodeParamsError(`sql: use named parameters (:name), not positional ones ($${next})`);
      else {
        text += ch;
        i++;
      }
    } else if (ch === '?' && dialect === 'mysql') {
      throw new NodeParamsError('sql: use named parameters (:name), not positional ones (?)');
    } else if (ch === ':' && next === ':') {
      text += '::';
      i += 2;
    } else if (ch === ':' && next !== undefined && /[A-Za-z_]/.test(next)) {
      NAME.lastIndex = i + 1;
      const name = (NAME.exec(sql) as RegExpExecArray)[0];
      if (!Object.hasOwn(params, name))
        throw new NodeParamsError(`params.${name}: the SQL uses :${name} but params has no "${name}"`);
      used.add(name);
      const value = toDriverValue(params[name], dialect);
      if (dialect === 'mysql') {
        values.push(value);
        text += '?';
      } else {
        let position = positions.get(name);
        if (position === undefined) {
          values.push(value);
          position = values.length;
          positions.set(name, position);
        }
        text += `$${position}`;
      }
      i += 1 + name.length;
    } else {
      text += ch;
      i++;
    }
  }
  const unused = Object.keys(params).find((name) => !used.has(name));
  if (unused !== undefined)
    throw new NodeParamsError(
      `params.${unused}: not used by the SQL${used.size ? ` (it uses ${[...used].map((n) => `:${n}`).join(', ')})` : ''}`,
    );
  return { text, values };
}

/**
 * A JSON param as the driver takes it: objects as JSON text; arrays stay arrays (PostgreSQL
 * `= ANY(:ids)`, MySQL `IN (:ids)` expands them); for MySQL, ISO instants as dates.
 */
function toDriverValue(value: unknown, dialect: SqlDialect): unknown {
  if (value === undefined) return null;
  if (Array.isArray(value)) {
    if (dialect === 'mysql' && value.length === 0)
      throw new NodeParamsError('params: an empty list cannot be expanded for MySQL (IN () is not SQL)');
    return value.map((item) => (typeof item === 'object' && item !== null ? JSON.stringify(item) : item));
  }
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  // MySQL refuses `2026-03-02T08:30:00Z` for DATETIME; as a Date the driver writes it in UTC.
  if (dialect === 'mysql' && typeof value === 'string' && ISO_INSTANT.test(value)) return new Date(value);
  return value;
}

/** An ISO 8601 instant: a date, a time and a zone (`Z` or an offset). */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;
