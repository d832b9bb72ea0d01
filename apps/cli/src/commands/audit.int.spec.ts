import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { JobRejected, StepCompleted, subjects } from '@aether/contracts';
import { startJetStream, type TestJetStream } from '@aether/event-store/test-support';
import { registerAudit } from './audit';
import { registerTail } from './tail';

const step = (tenantId: string, jobId: string, n: number) =>
  StepCompleted.create({
    tenantId,
    aggregateId: jobId,
    data: { stepKey: `s${n}`, nodeId: `s${n}`, output: { n }, durationMs: n },
  });
const rejected = (tenantId: string, jobId: string) =>
  JobRejected.create({ tenantId, aggregateId: jobId, data: { workflowId: 'w', reason: 'no robot' } });

describe('aether tail --export and aether audit verify, against a real nats-server', () => {
  let nats: TestJetStream;
  let dir: string;
  let printed: string;
  let write: jest.SpyInstance;

  beforeAll(async () => {
    nats = await startJetStream('cli-audit-test');
    dir = mkdtempSync(join(tmpdir(), 'aether-audit-'));
    const append = async (tenant: string, job: string, events: Parameters<typeof nats.store.append>[1]) =>
      nats.store.append(subjects.event(tenant, 'job', job), events, 'any');
    await append('acme', 'j1', [step('acme', 'j1', 1), step('acme', 'j1', 2)]); // one commit, two events
    await append('other', 'j9', [step('other', 'j9', 1)]);
    await append('acme', 'j2', [step('acme', 'j2', 1)]);
    await append('acme', 'j2', [rejected('acme', 'j2')]);
    await append('other', 'j9', [rejected('other', 'j9')]);
  });
  beforeEach(() => {
    printed = '';
    write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      printed += String(chunk);
      return true;
    });
    process.exitCode = undefined;
  });
  afterEach(() => {
    write.mockRestore();
    process.exitCode = undefined;
  });
  afterAll(async () => {
    await nats?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = async (...args: string[]) => {
    const program = new Command('aether').exitOverride();
    registerTail(program);
    registerAudit(program);
    await program.parseAsync(['node', 'aether', ...args]);
  };
  const keys = async () => {
    await cli('audit', 'keygen', '--out', dir);
    return { key: join(dir, 'audit-signing.pem'), pub: join(dir, 'audit-signing.pub.pem') };
  };
  const records = (file: string) =>
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map(
        (line) => JSON.parse(line) as { kind: string; seq: number; subject: string; event: { type: string } },
      );

  it('exports one tenant up to the last sequence at the time of the call, and the export verifies', async () => {
    const { key, pub } = await keys();
    const file = join(dir, 'acme.jsonl');
    await cli('tail', '--nats', nats.server.url, '--export', file, '--key', key, '--tenant', 'acme');
    const lines = records(file);
    expect(lines[0]).toMatchObject({
      kind: 'aether.audit.header',
      filters: { tenant: 'acme', toSequence: '5' },
    });
    expect(lines.slice(1, -1).map((r) => [r.seq, r.subject, r.event.type])).toEqual([
      [1, 'aether.evt.acme.job.j1', 'StepCompleted'],
      [1, 'aether.evt.acme.job.j1', 'StepCompleted'],
      [3, 'aether.evt.acme.job.j2', 'StepCompleted'],
      [4, 'aether.evt.acme.job.j2', 'JobRejected'],
    ]);
    expect(lines.at(-1)).toMatchObject({ kind: 'aether.audit.seal', records: 4 });

    printed = '';
    await cli('audit', 'verify', file, '--public-key', pub);
    expect(printed).toMatch(/^ok: 4 records, chain intact, signed by sha256:[0-9a-f]{64}\n$/);
    expect(process.exitCode).toBeUndefined();
  });

  it('filters by job and by event type, and from a sequence', async () => {
    const key = join(dir, 'audit-signing.pem');
    const file = join(dir, 'filtered.jsonl');
    await cli(
      'tail',
      '--nats',
      nats.server.url,
      '--export',
      file,
      '--key',
      key,
      '--type',
      'JobRejected',
      '--from',
      '5',
    );
    expect(
      records(file)
        .slice(1, -1)
        .map((r) => r.subject),
    ).toEqual(['aether.evt.other.job.j9']);
    await cli('tail', '--nats', nats.server.url, '--export', file, '--key', key, '--job', 'j2');
    expect(
      records(file)
        .slice(1, -1)
        .map((r) => r.seq),
    ).toEqual([3, 4]);
  });

  it('seals an empty export when nothing matches, without waiting for events', async () => {
    const file = join(dir, 'none.jsonl');
    await cli(
      'tail',
      '--nats',
      nats.server.url,
      '--export',
      file,
      '--key',
      join(dir, 'audit-signing.pem'),
      '--tenant',
      'nobody',
    );
    expect(records(file).map((r) => r.kind)).toEqual(['aether.audit.header', 'aether.audit.seal']);
  });

  it('names the record that was altered in an export, and exits with 2', async () => {
    const file = join(dir, 'acme.jsonl');
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    lines[2] = lines[2].replace('"stepKey":"s2"', '"stepKey":"s7"');
    writeFileSync(file, `${lines.join('\n')}\n`);
    await cli('audit', 'verify', file, '--public-key', join(dir, 'audit-signing.pub.pem'));
    expect(printed).toBe('TAMPERED: line 3: record 2 was altered (its hash is not in record 3)\n');
    expect(process.exitCode).toBe(2);
  });
});
