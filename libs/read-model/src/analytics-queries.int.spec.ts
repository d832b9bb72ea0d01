import type { DataSource } from 'typeorm';
import {
  JobCompleted,
  JobFailed,
  JobRequested,
  JobStarted,
  StepCompleted,
  StepFailed,
  StepStarted,
  type Envelope,
} from '@aether/contracts';
import { createTestReadModel, type TestReadModel } from './test-support';
import { JobProjection, type ProjectableEvent } from './job-projection';
import { histogramQuantile } from './analytics-queries';
import { MetricsQueries } from './metrics-queries';
import { WorkflowDurations } from './workflow-durations';

const t0 = Date.parse('2026-01-01T10:00:00Z');
const at = (jobId: string, ms: number, tenantId = 'default') => ({
  tenantId,
  aggregateId: jobId,
  occurredAt: new Date(t0 + ms),
});

/** A job of `workflowId` started at `startMs`, one step (retried once when `retried`), ending after `tookMs`. */
function job(
  jobId: string,
  workflowId: string,
  startMs: number,
  tookMs: number,
  end: 'completed' | 'failed',
  options: { retried?: boolean; tenantId?: string } = {},
): Envelope[] {
  const tenantId = options.tenantId ?? 'default';
  const attempt = options.retried ? 2 : 1;
  const events: Envelope[] = [
    JobRequested.create({
      ...at(jobId, startMs - 5, tenantId),
      data: { workflowId, workflowVersion: 1, variables: {}, priority: 10, trigger: { kind: 'manual' } },
    }),
    JobStarted.create({
      ...at(jobId, startMs, tenantId),
      data: { robotId: 'r1', delivery: 1, resumedAfterSteps: 0 },
    }),
    StepStarted.create({
      ...at(jobId, startMs + 1, tenantId),
      data: { stepKey: 'go', nodeId: 'go', nodeType: 'browser.click', robotId: 'r1', attempt },
    }),
  ];
  if (end === 'completed') {
    events.push(
      StepCompleted.create({
        ...at(jobId, startMs + tookMs - 1, tenantId),
        data: { stepKey: 'go', nodeId: 'go', output: null, durationMs: tookMs - 2 },
      }),
      JobCompleted.create({ ...at(jobId, startMs + tookMs, tenantId), data: { outputs: {}, robotId: 'r1' } }),
    );
  } else {
    const error = { message: 'no such element', code: 'ElementNotFound', retryable: false };
    events.push(
      StepFailed.create({
        ...at(jobId, startMs + tookMs - 1, tenantId),
        data: { stepKey: 'go', nodeId: 'go', error, durationMs: tookMs - 2 },
      }),
      JobFailed.create({ ...at(jobId, startMs + tookMs, tenantId), data: { error, robotId: 'r1' } }),
    );
  }
  return events;
}

const HOUR = 3_600_000;
const history = [
  ...job('a1', 'fast', 0, 100, 'completed'),
  ...job('a2', 'fast', 1_000, 120, 'completed'),
  ...job('a3', 'fast', HOUR, 110, 'failed', { retried: true }),
  ...job('b1', 'slow', 2_000, 8_000, 'completed'),
  ...job('b2', 'slow', HOUR + 5, 9_000, 'completed', { retried: true }),
  ...job('x1', 'fast', 0, 100, 'completed', { tenantId: 'acme' }),
];
const sequenced = (events: Envelope[]): ProjectableEvent[] =>
  events.map((event, i) => ({ sequence: i + 1, event }));

describe('MetricsQueries.analytics (the hourly rollups)', () => {
  let readModel: TestReadModel;
  let ds: DataSource;
  let projection: JobProjection;
  let queries: MetricsQueries;
  const range = { from: new Date(t0), to: new Date(t0 + 3 * HOUR), bucket: 'hour' as const };

  beforeAll(async () => {
    readModel = await createTestReadModel();
    ds = readModel.dataSource;
    projection = new JobProjection(ds);
    queries = new MetricsQueries(ds);
  });
  afterAll(() => readModel?.close());
  beforeEach(() => projection.reset());

  it('counts ends per hour, durations per workflow slowest first, step errors and retries, per tenant', async () => {
    await projection.apply(sequenced(history));
    const figures = await queries.analytics('default', range);
    expect(figures.throughput).toEqual([
      { at: '2026-01-01T10:00:00.000Z', completed: 3, failed: 0, cancelled: 0 },
      { at: '2026-01-01T11:00:00.000Z', completed: 1, failed: 1, cancelled: 0 },
      { at: '2026-01-01T12:00:00.000Z', completed: 0, failed: 0, cancelled: 0 },
    ]);
    expect(figures.totals).toEqual({ completed: 4, failed: 1, cancelled: 0, rejected: 0, successRate: 0.8 });
    expect(figures.durations.map((d) => [d.workflowId, d.jobs])).toEqual([
      ['slow', 2],
      ['fast', 3],
    ]);
    const slow = figures.durations[0];
    expect(slow?.p50Ms).toBeGreaterThan(8_000 * 0.81);
    expect(slow?.p99Ms).toBeLessThan(9_000 * 1.19);
    expect(slow?.series.map((p) => p.at)).toEqual(['2026-01-01T10:00:00.000Z', '2026-01-01T11:00:00.000Z']);
    expect(figures.errors).toEqual([
      { nodeType: 'browser.click', errorCode: 'ElementNotFound', failures: 1 },
    ]);
    expect(figures.steps).toMatchObject({ completed: 4, failed: 1, retries: 2 });
    expect((await queries.analytics('acme', range)).totals.completed).toBe(1);
  });

  it('gives heals per bucket that had heals, by hour and by day', async () => {
    await ds.query(
      `INSERT INTO heal_hourly (tenant_id, hour, heals, applied)
       VALUES ('default', $1, 3, 2), ('default', $2, 1, 0), ('default', $3, 5, 5), ('acme', $1, 7, 7)`,
      [new Date(t0), new Date(t0 + 2 * HOUR), new Date(t0 + 3 * HOUR)],
    );
    try {
      expect((await queries.analytics('default', range)).healing).toEqual([
        { at: '2026-01-01T10:00:00.000Z', heals: 3, applied: 2 },
        { at: '2026-01-01T12:00:00.000Z', heals: 1, applied: 0 },
      ]);
      expect((await queries.analytics('default', { ...range, bucket: 'day' })).healing).toEqual([
        { at: '2026-01-01T00:00:00.000Z', heals: 4, applied: 2 },
      ]);
    } finally {
      await ds.query(`DELETE FROM heal_hourly`);
    }
  });

  it('gives the same figures one by one, redelivered, and rebuilt from sequence 1', async () => {
    for (const item of sequenced(history)) await projection.apply([item]);
    await projection.apply(sequenced(history)); // redelivery: nothing new
    const live = await queries.analytics('default', range);
    await projection.reset();
    await projection.apply(sequenced(history));
    expect(await queries.analytics('default', range)).toEqual(live);
    expect(live.totals.completed).toBe(4);
  });

  it('by day, reads whole days from the daily rollup and the partial days by hour, with the same figures', async () => {
    const DAY = 24 * HOUR;
    // t0 is 10:00 on day 0. The range runs from 20:30 on day 0 to 05:10 on day 3.
    const days = [
      ...job('before', 'fast', 9 * HOUR, 100, 'completed'), // 19:00 day 0: before the range's first hour
      ...job('d0', 'fast', 11 * HOUR, 100, 'completed'), // 21:00 day 0
      ...job('d1a', 'fast', DAY, 200, 'completed'),
      ...job('d1b', 'slow', DAY + 3 * HOUR, 8_000, 'failed'),
      ...job('d2', 'fast', 2 * DAY + 13 * HOUR, 400, 'completed'), // 23:00 day 2
      ...job('d3', 'slow', 2 * DAY + 18 * HOUR, 9_000, 'completed'), // 04:00 day 3
      ...job('after', 'fast', 2 * DAY + 20 * HOUR, 100, 'completed'), // 06:00 day 3: after the range
    ];
    await projection.apply(sequenced(days));
    const byDay = { from: new Date(t0 + 10.5 * HOUR), to: new Date(t0 + 2 * DAY + 19 * HOUR + 600_000) };
    const figures = await queries.analytics('default', { ...byDay, bucket: 'day' });
    expect(figures.throughput).toEqual([
      { at: '2026-01-01T00:00:00.000Z', completed: 1, failed: 0, cancelled: 0 },
      { at: '2026-01-02T00:00:00.000Z', completed: 1, failed: 1, cancelled: 0 },
      { at: '2026-01-03T00:00:00.000Z', completed: 1, failed: 0, cancelled: 0 },
      { at: '2026-01-04T00:00:00.000Z', completed: 1, failed: 0, cancelled: 0 },
    ]);
    const byHour = await queries.analytics('default', { ...byDay, bucket: 'hour' });
    expect(figures.totals).toEqual(byHour.totals);
    expect(figures.durations.map((d) => [d.workflowId, d.jobs, d.p50Ms, d.p99Ms])).toEqual(
      byHour.durations.map((d) => [d.workflowId, d.jobs, d.p50Ms, d.p99Ms]),
    );
    const slow = figures.durations.find((d) => d.workflowId === 'slow');
    expect(slow?.series.map((p) => p.at)).toEqual(['2026-01-02T00:00:00.000Z', '2026-01-04T00:00:00.000Z']);
    expect(
      (await ds.query(`SELECT count(*)::int AS n FROM job_daily WHERE tenant_id = 'default'`))[0].n,
    ).toBe(6);
  });
  it('by hour and by day, equals the figures worked out from the jobs themselves', async () => {
    // 700 jobs of four workflows ending over 80 hours from 2026-01-01 10:00; some failed, cancelled,
    // rejected or never started (no duration). Durations are whole ms, never a power of two, so no
    // end sits on a histogram bucket's edge.
    let seed = 21;
    const random = (below: number) => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed % below;
    };
    const statuses = ['completed', 'completed', 'completed', 'failed', 'cancelled', 'rejected'] as const;
    const ends = Array.from({ length: 700 }, (_, i) => {
      const status = statuses[random(statuses.length)] ?? 'completed';
      let tookMs = 1 + random(random(4) === 0 ? 600_000 : 5_000);
      while ((tookMs & (tookMs - 1)) === 0) tookMs += 1;
      return {
        jobId: `o${i}`,
        workflowId: `wf-${random(4)}`,
        status,
        finishedMs: t0 + random(80 * HOUR),
        tookMs,
        started: status !== 'rejected' && random(20) > 0,
      };
    });
    await ds.query(
      `INSERT INTO jobs (tenant_id, job_id, workflow_id, status, priority, variables, requested_at, started_at,
                         finished_at, updated_at, last_sequence)
       SELECT 'default', e.job_id, e.workflow_id, e.status, 10, '{}', e.finished_at - e.took * interval '1 ms',
              CASE WHEN e.started THEN e.finished_at - e.took * interval '1 ms' END, e.finished_at, now(), 1
         FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::int[], $6::bool[])
              AS e(job_id, workflow_id, status, finished_at, took, started)`,
      [
        ends.map((e) => e.jobId),
        ends.map((e) => e.workflowId),
        ends.map((e) => e.status),
        ends.map((e) => new Date(e.finishedMs)),
        ends.map((e) => e.tookMs),
        ends.map((e) => e.started),
      ],
    );

    const expected = (from: number, to: number, bucket: 'hour' | 'day') => {
      const step = bucket === 'hour' ? HOUR : 24 * HOUR;
      const counted = ends.filter(
        (e) => e.finishedMs >= Math.floor(from / HOUR) * HOUR && Math.floor(e.finishedMs / HOUR) * HOUR < to,
      );
      const startOf = (ms: number) => new Date(Math.floor(ms / step) * step).toISOString();
      const histogram = (of: typeof ends) => {
        const counts: Record<string, number> = {};
        for (const e of of)
          if (e.started && (e.status === 'completed' || e.status === 'failed')) {
            const b = Math.min(127, Math.floor(4 * Math.log2(e.tookMs)));
            counts[b] = (counts[b] ?? 0) + 1;
          }
        return counts;
      };
      const percentiles = (of: typeof ends) => {
        const h = histogram(of);
        return {
          p50Ms: histogramQuantile(h, 0.5),
          p90Ms: histogramQuantile(h, 0.9),
          p99Ms: histogramQuantile(h, 0.99),
        };
      };
      const throughput = new Map<
        string,
        { at: string; completed: number; failed: number; cancelled: number }
      >();
      for (let at = Math.floor(from / step) * step; at < to; at += step) {
        const start = new Date(at).toISOString();
        throughput.set(start, { at: start, completed: 0, failed: 0, cancelled: 0 });
      }
      for (const e of counted) {
        const point = throughput.get(startOf(e.finishedMs));
        if (point && e.status !== 'rejected') point[e.status] += 1;
      }
      const workflows = [...new Set(counted.map((e) => e.workflowId))];
      const durations = workflows
        .map((workflowId) => {
          const own = counted.filter((e) => e.workflowId === workflowId);
          const starts = [...new Set(own.map((e) => startOf(e.finishedMs)))].sort();
          return {
            workflowId,
            jobs: own.filter((e) => e.status === 'completed' || e.status === 'failed').length,
            ...percentiles(own),
            series: starts
              .map((at) => ({ at, of: own.filter((e) => startOf(e.finishedMs) === at) }))
              .filter(({ of }) => Object.keys(histogram(of)).length > 0)
              .map(({ at, of }) => ({ at, ...percentiles(of) })),
          };
        })
        .filter((d) => d.jobs > 0)
        .sort((a, b) => b.p90Ms - a.p90Ms || a.workflowId.localeCompare(b.workflowId));
      const count = (status: string) => counted.filter((e) => e.status === status).length;
      return {
        throughput: [...throughput.values()],
        totals: {
          completed: count('completed'),
          failed: count('failed'),
          cancelled: count('cancelled'),
          rejected: count('rejected'),
          successRate: count('completed') / (count('completed') + count('failed')),
        },
        durations,
      };
    };

    const ranges: [number, number][] = [
      [t0 + 0.5 * HOUR, t0 + 80 * HOUR], // 10:30 on day 0 to 18:00 on day 3
      [t0 + 20.25 * HOUR, t0 + 62.75 * HOUR], // across one whole day, partial days at both ends
      [t0 + 3 * HOUR, t0 + 9 * HOUR], // within a day
      [t0 - 10 * HOUR, t0 + 38 * HOUR], // aligned on days: whole days only
    ];
    for (const [from, to] of ranges)
      for (const bucket of ['hour', 'day'] as const) {
        const figures = await queries.analytics('default', {
          from: new Date(from),
          to: new Date(to),
          bucket,
        });
        expect({ ...figures, range: [from, to, bucket] }).toMatchObject({
          ...expected(from, to, bucket),
          range: [from, to, bucket],
        });
      }
  });
});

describe('WorkflowDurations (the dispatcher deadline forecast, ADR 66)', () => {
  let readModel: TestReadModel;
  let ds: DataSource;

  beforeAll(async () => {
    readModel = await createTestReadModel();
    ds = readModel.dataSource;
    await new JobProjection(ds).apply(sequenced(history));
  });
  afterAll(() => readModel?.close());

  it("gives each tenant's workflows the quantile of their finished jobs' durations since a time", async () => {
    const p95 = await new WorkflowDurations(ds).quantiles(new Date(t0), 0.95);
    expect([...p95.keys()].sort()).toEqual(['acme/fast', 'default/fast', 'default/slow']);
    expect(p95.get('default/slow')).toBeGreaterThan(9_000 * 0.81);
    expect(p95.get('default/slow')).toBeLessThan(9_000 * 1.19);
    expect(p95.get('default/fast')).toBeLessThan(120 * 1.19);
    // Only the hours since `since`: the second hour's jobs.
    const later = await new WorkflowDurations(ds).quantiles(new Date(t0 + HOUR), 0.95);
    expect([...later.keys()].sort()).toEqual(['default/fast', 'default/slow']);
  });
});
