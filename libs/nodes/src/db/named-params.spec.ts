import { compileNamedSql } from './named-params';

describe('compileNamedSql', () => {
  it('numbers PostgreSQL placeholders by name, a name used twice binding one value', () => {
    expect(
      compileNamedSql(
        'SELECT * FROM invoices WHERE customer = :customer OR payer = :customer AND total > :min',
        { customer: 'Acme', min: 10 },
        'postgres',
      ),
    ).toEqual({
      text: 'SELECT * FROM invoices WHERE customer = $1 OR payer = $1 AND total > $2',
      values: ['Acme', 10],
    });
  });

  it('repeats MySQL placeholders in order of use', () => {
    expect(compileNamedSql('UPDATE t SET a = :a, b = :b WHERE a <> :a', { a: 1, b: null }, 'mysql')).toEqual({
      text: 'UPDATE t SET a = ?, b = ? WHERE a <> ?',
      values: [1, null, 1],
    });
  });

  it('leaves literals, quoted names, comments, casts and dollar quotes alone', () => {
    const sql = [
      "SELECT ':no' AS a, 'it''s :no' AS b, \"col:no\", E'\\' :no' AS c, :yes::text AS d",
      '-- :no in a comment',
      '/* :no in a block */ FROM t WHERE x = $tag$ :no $tag$ AND y = $$ :no $$',
    ].join('\n');
    const { text, values } = compileNamedSql(sql, { yes: 'v' }, 'postgres');
    expect(text).toBe(sql.replace(':yes::text', '$1::text'));
    expect(values).toEqual(['v']);
    const mysql = "SELECT 'a\\':no', `weird:no`, :yes # :no\nFROM t";
    expect(compileNamedSql(mysql, { yes: 1 }, 'mysql').text).toBe(mysql.replace(':yes', '?'));
  });

  it('binds values, never splices them: a quote in a value stays a value', () => {
    const evil = "x'); DROP TABLE invoices; --";
    expect(compileNamedSql('INSERT INTO t (a) VALUES (:a)', { a: evil }, 'postgres')).toEqual({
      text: 'INSERT INTO t (a) VALUES ($1)',
      values: [evil],
    });
  });

  it('passes lists as lists and objects as JSON text', () => {
    expect(
      compileNamedSql(
        'SELECT 1 WHERE id = ANY(:ids) AND doc = :doc',
        { ids: [1, 2], doc: { a: 1 } },
        'postgres',
      ).values,
    ).toEqual([[1, 2], '{"a":1}']);
    expect(() => compileNamedSql('SELECT 1 WHERE id IN (:ids)', { ids: [] }, 'mysql')).toThrow('empty list');
    // MySQL takes no zone in a DATETIME literal: an ISO instant is bound as a date; PostgreSQL parses it itself.
    const at = '2026-03-02T08:30:00.000Z';
    expect(compileNamedSql('SELECT :at', { at }, 'mysql').values).toEqual([new Date(at)]);
    expect(compileNamedSql('SELECT :at', { at }, 'postgres').values).toEqual([at]);
    expect(compileNamedSql('SELECT :d', { d: '2026-03-02' }, 'mysql').values).toEqual(['2026-03-02']);
  });

  it.each([
    [
      'a name the params lack',
      'SELECT :a, :b',
      { a: 1 },
      'postgres',
      'params.b: the SQL uses :b but params has no "b"',
    ],
    [
      'a param the SQL does not use',
      'SELECT :a',
      { a: 1, c: 2 },
      'postgres',
      'params.c: not used by the SQL (it uses :a)',
    ],
    [
      'PostgreSQL positional placeholders',
      'SELECT $1',
      {},
      'postgres',
      'sql: use named parameters (:name), not positional ones ($1)',
    ],
    [
      'MySQL positional placeholders',
      'SELECT ?',
      {},
      'mysql',
      'sql: use named parameters (:name), not positional ones (?)',
    ],
    ['an unterminated literal', "SELECT 'abc", {}, 'postgres', "sql: unterminated ' quote"],
  ] as const)('refuses %s, naming the path', (_name, sql, params, dialect, message) => {
    expect(() => compileNamedSql(sql, params, dialect)).toThrow(message);
  });
});
