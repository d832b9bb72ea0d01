import pino from 'pino';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { JobRequested, STREAMS, subjects } from '@aether/contracts';
import { ensureStreams } from '@aether/event-store';
import { startJetStream, type TestJetStream } from '@aether/event-store/test-support';
import { JobProjection } from '@aether/read-model';
import { createTestReadModel, type TestReadModel } from '@aether/read-model/test-support';
import { eventually } from '@aether/testing';
import { Projector } from './projector';

const requested = (jobId: string) =>
  JobRequested.create({
    tenantId: 'default',
    aggregateId: jobId,
    data: { workflowId: 'wf', workflowVersion: 1, variables: {}, priority: 10, trigger: { kind: 'manual' } },
  });

/** ADR 89: a checkpoint belongs to the EVENTS stream it was taken on. */
jest.setTimeout(30_000);

describe('Projector: a checkpoint taken on another EVENTS stream', () => {
  let readModel: TestReadModel;
  let ds: DataSource;
  const servers: TestJetStream[] = [];
  const running: Projector[] = [];
  let warnings: string[];

  beforeAll(async () => {
    readModel = await createTestReadModel({ poolSize: 4 });
    ds = readModel.dataSource;
  });
  beforeEach(async () => {
    warnings = [];
    await new JobProjection(ds).reset();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((each) => each.stop()));
    await Promise.all(servers.splice(0).map((each) => each.close()));
  });
  afterAll(() => readModel?.close());

  const nats = async () => {
    const started = await startJetStream('projector-stream-spec');
    servers.push(started);
    return started;
  };
  const start = (on: TestJetStream) => {
    const logger = pino(
      { level: process.env.SPEC_LOG ?? 'warn' },
      { write: (line: string) => void warnings.push(line) },
    );
    const projector = new Projector(
      on.store,
      new JobProjection(ds),
      logger,
      { maxEvents: 100, lingerMs: 5 },
      new Registry(),
    );
    projector.start();
    running.push(projector);
    return projector;
  };
  const stop = async (projector: Projector) => {
    running.splice(running.indexOf(projector), 1);
    await projector.stop();
  };
  const append = async (on: TestJetStream, ...jobIds: string[]) => {
    let last = 0;
    for (const jobId of jobIds)
      last = (await on.store.append(subjects.event('default', 'job', jobId), [requested(jobId)], 0))
        .lastSequence;
    return last;
  };
  const caughtUp = (last: number) =>
    eventually(async () => ((await new JobProjection(ds).checkpoint()) === last ? true : undefined), {
      what: `the checkpoint at ${last}`,
    });
  const jobs = async () =>
    ((await ds.query('SELECT job_id FROM jobs ORDER BY job_id')) as { job_id: string }[]).map(
      (row) => row.job_id,
    );
  const rebuilds = () => warnings.filter((line) => line.includes('rebuilding from sequence 1')).length;

  it('rebuilds when EVENTS was deleted and made again, and then projects the new events', async () => {
    const on = await nats();
    const projector = start(on);
    await caughtUp(await append(on, 'old-1', 'old-2', 'old-3', 'old-4', 'old-5'));
    await stop(projector);

    await on.jsm.streams.delete(STREAMS.events);
    await ensureStreams(on.jsm);
    const last = await append(on, 'new-1', 'new-2');
    expect(last).toBe(2);
    start(on);

    await eventually(async () => ((await jobs()).join() === 'new-1,new-2' ? true : undefined), {
      what: 'the new stream’s jobs, and only them, in the read model',
    });
    await caughtUp(2);
    expect(rebuilds()).toBe(1);
    expect(warnings.join('')).toContain('another EVENTS stream');
  });

  it('rebuilds against a fresh nats-server whose stream is already longer than the checkpoint', async () => {
    const first = await nats();
    const projector = start(first);
    await caughtUp(await append(first, 'old-1', 'old-2'));
    await stop(projector);

    const fresh = await nats();
    const last = await append(fresh, 'new-1', 'new-2', 'new-3', 'new-4');
    start(fresh);

    await caughtUp(last);
    await eventually(async () => ((await jobs()).join() === 'new-1,new-2,new-3,new-4' ? true : undefined), {
      what: 'the fresh stream’s jobs, and only them, in the read model',
    });
    expect(rebuilds()).toBe(1);
  });

  it('resumes without rebuilding after a restart on the same stream, and adopts an unnamed checkpoint', async () => {
    const on = await nats();
    const projector = start(on);
    await caughtUp(await append(on, 'job-1', 'job-2'));
    await stop(projector);
    // A mark no rebuild would keep: the stream says priority 10.
    await ds.query(`UPDATE jobs SET priority = 99 WHERE job_id = 'job-1'`);
    // As a checkpoint taken before ADR 89 was.
    await ds.query(`UPDATE projection_checkpoints SET stream_created = NULL`);

    const last = await append(on, 'job-3');
    start(on);
    await caughtUp(last);

    expect(await jobs()).toEqual(['job-1', 'job-2', 'job-3']);
    expect(await ds.query(`SELECT priority FROM jobs WHERE job_id = 'job-1'`)).toEqual([{ priority: 99 }]);
    expect(rebuilds()).toBe(0);
    const [{ stream_created }] = await ds.query(`SELECT stream_created FROM projection_checkpoints`);
    expect(stream_created).toBe((await on.jsm.streams.info(STREAMS.events)).created);
  });

  it('two projectors starting on a new stream rebuild once and project every event once', async () => {
    const first = await nats();
    const projector = start(first);
    await caughtUp(await append(first, 'old-1', 'old-2', 'old-3'));
    await stop(projector);

    const fresh = await nats();
    const last = await append(
      fresh,
      ...Array.from({ length: 20 }, (_, n) => `new-${String(n).padStart(2, '0')}`),
    );
    start(fresh);
    start(fresh);

    await caughtUp(last);
    // The warning follows the rebuild's commit; the other projector may reach the end first.
    await eventually(async () => (rebuilds() > 0 ? true : undefined), { what: 'the rebuild warning' });
    expect(rebuilds()).toBe(1);
    expect(await jobs()).toEqual(Array.from({ length: 20 }, (_, n) => `new-${String(n).padStart(2, '0')}`));
  });

  it('refuses a batch of a projector still on the old stream once another rebuilt for the new one', async () => {
    const first = await nats();
    const projection = new JobProjection(ds);
    const old = await first.store.streamIdentity();
    await projection.adopt(old);
    const fresh = await nats();
    await append(fresh, 'new-1');
    expect((await projection.adopt(await fresh.store.streamIdentity())).rebuilt?.reason).toBe(
      'another stream',
    );

    await expect(projection.apply([{ sequence: 5, event: requested('stale') }], old)).rejects.toThrow(
      /belongs to the stream created/,
    );
    expect(await jobs()).toEqual([]);
  });
});
