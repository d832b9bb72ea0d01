import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { InMemoryArtifacts } from '../artifacts/artifact-store';
import { NodeParamsError } from '../errors';
import { createNodeHandlers, type NodeHandlerTable } from '../handlers';
import { handlerOf, testNodeContext } from '../testing';

describe('data nodes', () => {
  let root: string;
  let handlers: NodeHandlerTable;
  const run = (type: string, params: Record<string, unknown>, context = testNodeContext()) =>
    handlerOf(handlers, type).execute(params, context);

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'aether-data-'));
    handlers = createNodeHandlers({ filesRoot: root, desktop: false });
  });
  afterAll(async () => {
    await handlers.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('data.set echoes its values', async () => {
    await expect(run('data.set', { values: { a: 1, b: 'x' } })).resolves.toEqual({
      values: { a: 1, b: 'x' },
    });
  });

  it('data.map and data.filter evaluate their expression per item', async () => {
    const items = [{ n: 1 }, { n: 2 }, { n: 3 }];
    await expect(run('data.map', { items, expression: 'item.n * 10 + index' })).resolves.toEqual({
      items: [10, 21, 32],
    });
    await expect(run('data.filter', { items, expression: 'item.n >= 2' })).resolves.toEqual({
      items: [{ n: 2 }, { n: 3 }],
    });
    await expect(run('data.map', { items, expression: 'item.n +' })).rejects.toBeInstanceOf(NodeParamsError);
  });

  describe('CSV', () => {
    it('parses text with a header into keyed rows, quoted fields and BOM included', async () => {
      const text = '\uFEFFname,city\n"Doe, Jane",Berlin\nBob,"Paris ""FR"""\n';
      await expect(run('data.csvParse', { text })).resolves.toEqual({
        rows: [
          { name: 'Doe, Jane', city: 'Berlin' },
          { name: 'Bob', city: 'Paris "FR"' },
        ],
        count: 2,
      });
    });

    it('parses without a header and with another delimiter', async () => {
      const out = await run('data.csvParse', { text: 'a;b\nc;d;e\n', header: false, delimiter: ';' });
      expect(out['rows']).toEqual([
        ['a', 'b'],
        ['c', 'd', 'e'],
      ]);
    });

    it('reads a file inside the folder or an artifact reference', async () => {
      writeFileSync(join(root, 'in.csv'), 'x,y\n1,2\n');
      await expect(run('data.csvParse', { file: 'in.csv' })).resolves.toMatchObject({
        rows: [{ x: '1', y: '2' }],
      });
      const artifacts = new InMemoryArtifacts();
      const ref = await artifacts.put('download', 'job-1/dl/orders.csv', Buffer.from('x\n3\n'));
      await expect(
        run('data.csvParse', { file: ref }, testNodeContext({ artifacts })),
      ).resolves.toMatchObject({ rows: [{ x: '3' }] });
    });

    it('refuses malformed CSV and ambiguous params as terminal param errors', async () => {
      await expect(run('data.csvParse', { text: 'a,b\n"unclosed,1\n' })).rejects.toBeInstanceOf(
        NodeParamsError,
      );
      await expect(run('data.csvParse', { text: 'a', file: 'in.csv' })).rejects.toThrow(
        /exactly one of text, file is required/,
      );
    });

    it('writes object rows under the union of their keys, and to a file', async () => {
      const rows = [
        { a: 1, b: 'x,y' },
        { b: 'z', c: { n: 1 } },
      ];
      const out = await run('data.csvWrite', { rows, file: 'out/rows.csv' });
      expect(out).toEqual({ text: 'a,b,c\n1,"x,y",\n,z,"{""n"":1}"\n', file: 'out/rows.csv', count: 2 });
      expect(readFileSync(join(root, 'out/rows.csv'), 'utf8')).toBe(out['text']);
      await expect(run('data.csvWrite', { rows: [[1, 2]], header: ['p', 'q'] })).resolves.toMatchObject({
        text: 'p,q\n1,2\n',
      });
    });

    it('round-trips any table of strings', async () => {
      const cell = fc.string({ maxLength: 12 });
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(cell, cell), { minLength: 1, maxLength: 8 }), async (pairs) => {
          const rows = pairs.map(([a, b]) => ({ a, b }));
          const { text } = (await run('data.csvWrite', { rows })) as { text: string };
          const parsed = await run('data.csvParse', { text });
          expect(parsed['rows']).toEqual(rows);
        }),
        { numRuns: 100 },
      );
    });
  });

  describe('JSON', () => {
    it('parses and stringifies', async () => {
      await expect(run('data.jsonParse', { text: '{"a":[1,null]}' })).resolves.toEqual({
        value: { a: [1, null] },
      });
      await expect(run('data.jsonStringify', { value: { a: 1 }, indent: 2 })).resolves.toEqual({
        text: '{\n  "a": 1\n}',
      });
      await expect(run('data.jsonParse', { text: '{oops' })).rejects.toBeInstanceOf(NodeParamsError);
    });
  });

  describe('data.regex', () => {
    it('returns the first match, its groups and every match with g', async () => {
      const out = await run('data.regex', {
        text: 'AE-12345678 and AE-ABCDEFGH',
        pattern: 'AE-(?<code>[A-Z0-9]{4})([A-Z0-9]{4})',
        flags: 'g',
      });
      expect(out).toEqual({
        match: 'AE-12345678',
        matches: ['AE-12345678', 'AE-ABCDEFGH'],
        groups: ['1234', '5678'],
        namedGroups: { code: '1234' },
        captures: [
          ['1234', '5678'],
          ['ABCD', 'EFGH'],
        ],
      });
      await expect(run('data.regex', { text: 'nothing', pattern: '\\d+' })).resolves.toMatchObject({
        match: null,
        matches: [],
        groups: [],
      });
    });

    it('stops catastrophic backtracking instead of hanging the robot', async () => {
      const started = Date.now();
      await expect(run('data.regex', { text: `${'a'.repeat(50)}!`, pattern: '^(a+)+$' })).rejects.toThrow(
        /catastrophic backtracking/,
      );
      expect(Date.now() - started).toBeLessThan(3_000);
    });

    it('refuses oversized input and invalid patterns or flags', async () => {
      await expect(run('data.regex', { text: 'x'.repeat(1_000_001), pattern: 'x' })).rejects.toBeInstanceOf(
        NodeParamsError,
      );
      await expect(run('data.regex', { text: 'x', pattern: '(' })).rejects.toThrow(
        /not a valid regular expression/,
      );
      await expect(run('data.regex', { text: 'x', pattern: 'x', flags: 'gg' })).rejects.toBeInstanceOf(
        NodeParamsError,
      );
    });
  });

  describe('formatting', () => {
    it('formats dates in a time zone (UTC by default) and locale', async () => {
      const date = '2024-03-31T23:30:00Z';
      await expect(run('data.formatDate', { date, format: 'yyyy-MM-dd HH:mm' })).resolves.toEqual({
        text: '2024-03-31 23:30',
      });
      await expect(
        run('data.formatDate', { date, format: 'yyyy-MM-dd HH:mm zzz', timeZone: 'Europe/Berlin' }),
      ).resolves.toEqual({
        text: '2024-04-01 01:30 GMT+2',
      });
      await expect(
        run('data.formatDate', { date: Date.UTC(2024, 0, 5), format: 'EEEE d. MMMM', locale: 'de-DE' }),
      ).resolves.toEqual({
        text: 'Freitag 5. Januar',
      });
      await expect(run('data.formatDate', { date: 'not a date', format: 'yyyy' })).rejects.toBeInstanceOf(
        NodeParamsError,
      );
      await expect(
        run('data.formatDate', { date, format: 'yyyy', timeZone: 'Mars/Olympus' }),
      ).rejects.toBeInstanceOf(NodeParamsError);
    });

    it('formats numbers with Intl', async () => {
      const euros = await run('data.formatNumber', {
        value: 1234.5,
        locale: 'de-DE',
        options: { style: 'currency', currency: 'EUR' },
      });
      expect(euros['text']).toBe('1.234,50\u00a0€');
      await expect(
        run('data.formatNumber', { value: 0.256, options: { style: 'percent' } }),
      ).resolves.toEqual({ text: '26%' });
      await expect(
        run('data.formatNumber', { value: 1, options: { style: 'currency' } }),
      ).rejects.toBeInstanceOf(NodeParamsError);
    });
  });
});
