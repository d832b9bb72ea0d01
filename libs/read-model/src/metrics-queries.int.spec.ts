import type { DataSource } from 'typeorm';
import {
  JobCancelled,
  JobCompleted,
  JobDispatched,
  JobNeedsAttention,
  JobRequested,
  JobStarted,
  type Envelope,
} from '@aether/contracts';
import { createTestReadModel, type TestReadModel } from './test-support';
import { JobProjection, type ProjectableEvent } from './job-projection';
import { MetricsQueries } from './metrics-queries';

const t0 = Date.parse('2026-01-01T00:00:00Z');
const base = (jobId: string, ms: number, tenantId = 'default') => ({
  tenantId,
  aggregateId: jobId,
  occurredAt: new Date(t0 + ms),
});

/** A job's events up to `until`: requested (at `priority`), dispatched, started, then its end. */
function job(
  jobId: string,
  until: 'requested' | 'queued' | 'running' | 'completed' | 'needs_attention' | 'cancelled',
  priority = 10,
  tenantId = 'default',
): Envelope[] {
  const events: Envelope[] = [
    JobRequested.create({
      ...base(jobId, 0, tenantId),
      data: { workflowId: 'wf', workflowVersion: 1, variables: {}, priority, trigger: { kind: 'manual' } },
    }),
  ];
  if (until === 'requested') return events;
  events.push(
    JobDispatched.create({
      ...base(jobId, 5, tenantId),
      data: { subject: 'aether.work.default.pool.default', attempt: 1 },
    }),
  );
  if (until === 'queued') return events;
  events.push(
    JobStarted.create({
      ...base(jobId, 10, tenantId),
      data: { robotId: 'r1', delivery: 1, resumedAfterSteps: 0 },
    }),
  );
  if (until === 'completed')
    events.push(JobCompleted.create({ ...base(jobId, 20, tenantId), data: { outputs: {}, robotId: 'r1' } }));
  if (until === 'needs_attention')
    events.push(
      JobNeedsAttention.create({
        ...base(jobId, 20, tenantId),
        data: { stepKey: 'a', nodeId: 'a', reason: 'ambiguous', robotId: 'r1' },
      }),
    );
  if (until === 'cancelled')
    events.push(
      JobCancelled.create({ ...base(jobId, 20, tenantId), data: { robotId: 'r1', completedSteps: 0 } }),
    );
  return events;
}

const sequenced = (events: Envelope[], from = 1): ProjectableEvent[] =>
  events.map((event, i) => ({ sequence: from + i, event }));

describe('MetricsQueries.fleetJobs (the job_counts rollup)', () => {
  let readModel: TestReadModel;
  let ds: DataSource;
  let projection: JobProjection;
  let queries: MetricsQueries;

  beforeAll(async () => {
    readModel = await createTestReadModel();
    ds = readModel.dataSource;
    projection = new JobProjection(ds);
    queries = new MetricsQueries(ds);
  });
  afterAll(() => readModel?.close());
  beforeEach(() => projection.reset());

  const history = [
    ...job('done-1', 'completed'),
    ...job('done-2', 'completed', 3),
    ...job('run-1', 'running'),
    ...job('wait-high', 'queued', 18),
    ...job('wait-normal', 'queued', 10),
    ...job('wait-low', 'requested', 2),
    ...job('stuck', 'needs_attention'),
    ...job('gone', 'cancelled'),
    ...job('other-tenant', 'queued', 18, 'acme'),
  ];

  /** What a scan of the jobs table says, to hold the rollup against. */
  const scanned = async (tenantId: string) =>
    Object.fromEntries(
      (
        (await ds.query('SELECT status, count(*) AS n FROM jobs WHERE tenant_id = $1 GROUP BY status', [
          tenantId,
        ])) as { status: string; n: string }[]
      ).map((row) => [row.status, Number(row.n)]),
    );

  it('counts jobs per status and waiting jobs per priority band, per tenant', async () => {
    await projection.apply(sequenced(history));
    const figures = await queries.fleetJobs('default');
    expect(figures.byStatus).toMatchObject({
      completed: 2,
      running: 1,
      queued: 2,
      pending: 1,
      needs_attention: 1,
      cancelled: 1,
      failed: 0,
    });
    const nonZero = Object.fromEntries(Object.entries(figures.byStatus).filter(([, n]) => n > 0));
    expect(nonZero).toEqual(await scanned('default'));
    expect(figures.queueDepth).toEqual([
      { band: 'high', jobs: 1 },
      { band: 'normal', jobs: 1 },
      { band: 'low', jobs: 1 },
    ]);
    expect(figures.needsAttention).toBe(1);
    expect(figures.deadLetters).toBe(0);
    expect(figures.activeJobs.map((j) => j.jobId).sort()).toEqual(['run-1', 'stuck']);
    expect((await queries.fleetJobs('acme')).queueDepth[0]).toEqual({ band: 'high', jobs: 1 });
  });

  it('shows a job that waited only seconds in its minute of the last hour', async () => {
    await projection.apply(sequenced(job('brief', 'requested', 16)));
    await projection.apply(sequenced(job('brief', 'running', 16).slice(1), 2));
    const { queueDepthHistory, queueDepth } = await queries.fleetJobs('default', 50, new Date());
    expect(queueDepth[0]).toEqual({ band: 'high', jobs: 0 });
    expect(queueDepthHistory.at(-1)?.high).toBe(1);
  });

  it('keeps the waiting jobs per band of the last hour, minute by minute', async () => {
    await projection.apply(sequenced(history));
    const now = new Date(Date.now() + 5 * 60_000); // five minutes after the change: carried forward
    const { queueDepthHistory } = await queries.fleetJobs('default', 50, now);
    expect(queueDepthHistory).toHaveLength(60);
    expect(queueDepthHistory.at(-1)).toMatchObject({ high: 1, normal: 1, low: 1 });
    expect(queueDepthHistory.at(-1)?.at).toBe(
      new Date(Math.floor(now.getTime() / 60_000) * 60_000).toISOString(),
    );
    const past = await queries.fleetJobs('default', 50, new Date(Date.now() - 2 * 60_000));
    expect(past.queueDepthHistory.at(-1)).toMatchObject({ high: 0, normal: 0, low: 0 }); // before any job
    expect((await queries.fleetJobs('acme', 50, now)).queueDepthHistory.at(-1)).toMatchObject({
      high: 1,
      low: 0,
    });
  });

  it('gives the same counts when the events arrive one by one, redelivered, or rebuilt from sequence 1', async () => {
    for (const item of sequenced(history)) await projection.apply([item]);
    await projection.apply(sequenced(history)); // redelivery: nothing new
    // The waiting history is what the projector saw as it went (one by one passes through more
    // waiting at once than a batch), not a function of the events: only the rollups are compared.
    const { queueDepthHistory: _seen, ...live } = await queries.fleetJobs('default');
    await projection.reset();
    await projection.apply(sequenced(history));
    const { queueDepthHistory: _rebuilt, ...rebuilt } = await queries.fleetJobs('default');
    expect(rebuilt).toEqual(live);
    expect(Object.fromEntries(Object.entries(live.byStatus).filter(([, n]) => n > 0))).toEqual(
      await scanned('default'),
    );
  });
});
