import { generateKeyPairSync } from 'node:crypto';
import { AuditChainWriter, verifyAuditExport } from './audit-chain';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');

function exportOf(events: number, key = privateKey): string[] {
  const lines: string[] = [];
  const writer = new AuditChainWriter(
    key,
    { stream: 'EVENTS', filters: { tenant: 'acme' }, exportedAt: '2026-12-06T01:00:00.000Z' },
    (line) => lines.push(line),
  );
  for (let n = 1; n <= events; n++)
    writer.record(100 + n, `aether.evt.acme.job.j${n}`, { type: 'JobRequested', id: `e${n}`, data: { n } });
  writer.seal();
  return lines;
}
const text = (lines: string[]) => `${lines.join('\n')}\n`;
const edit = (line: string, change: (value: Record<string, unknown>) => void) => {
  const value = JSON.parse(line) as Record<string, unknown>;
  change(value);
  return JSON.stringify(value);
};

describe('a signed, hash-chained audit export', () => {
  it('verifies as written, and when empty', () => {
    expect(verifyAuditExport(text(exportOf(5)), publicKey)).toMatchObject({ ok: true, records: 5 });
    expect(verifyAuditExport(text(exportOf(0)), publicKey)).toMatchObject({ ok: true, records: 0 });
  });

  it('names a record whose event was altered', () => {
    const lines = exportOf(5);
    lines[3] = edit(lines[3], (record) => ((record['event'] as { data: { n: number } }).data.n = 99));
    expect(verifyAuditExport(text(lines), publicKey)).toEqual({
      ok: false,
      line: 4,
      problem: 'record 3 was altered (its hash is not in record 4)',
    });
  });

  it('names the last record when it was altered', () => {
    const lines = exportOf(5);
    lines[5] = edit(lines[5], (record) => (record['subject'] = 'aether.evt.acme.job.other'));
    expect(verifyAuditExport(text(lines), publicKey)).toMatchObject({
      ok: false,
      problem: 'record 5 was altered (its hash is not in the seal)',
    });
  });

  it('names a record that was removed', () => {
    const lines = exportOf(5);
    lines.splice(2, 1);
    expect(verifyAuditExport(text(lines), publicKey)).toEqual({
      ok: false,
      line: 3,
      problem: 'record 2 was removed',
    });
  });

  it('names records that were swapped', () => {
    const lines = exportOf(5);
    [lines[2], lines[3]] = [lines[3], lines[2]];
    expect(verifyAuditExport(text(lines), publicKey)).toEqual({
      ok: false,
      line: 3,
      problem: 'record 2 was moved: record 3 stands in its place',
    });
  });

  it('notices records cut from the end, and an export cut before its seal', () => {
    const lines = exportOf(5);
    expect(verifyAuditExport(text([...lines.slice(0, 5), lines[6]]), publicKey)).toMatchObject({
      ok: false,
      problem: 'the seal counts 5 records and the export holds 4: records were removed at the end',
    });
    expect(verifyAuditExport(text(lines.slice(0, 6)), publicKey)).toMatchObject({
      ok: false,
      problem: 'the export has no seal: it was cut short',
    });
  });

  it('notices an altered header', () => {
    const lines = exportOf(2);
    lines[0] = edit(lines[0], (header) => (header['filters'] = {}));
    expect(verifyAuditExport(text(lines), publicKey)).toMatchObject({
      ok: false,
      problem: 'the header was altered',
    });
  });

  it('rejects a chain rebuilt after a change: the seal no longer verifies', () => {
    const forged = exportOf(3, other.privateKey);
    expect(verifyAuditExport(text(forged), publicKey)).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/^the export was signed with sha256:\w+, not with the key given/),
    });
    const lines = exportOf(3);
    lines[4] = edit(lines[4], (seal) => (seal['signature'] = Buffer.alloc(64).toString('base64')));
    expect(verifyAuditExport(text(lines), publicKey)).toMatchObject({
      ok: false,
      problem: 'the seal’s signature does not verify',
    });
  });
});
