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
import { createTestDatabase, type TestDatabase } from '@aether/testing';
import { createReadModelDataSource } from './data-source';
import { JobProjection, type ProjectableEvent } from './job-projection';
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
  let db: TestDatabase;
  let ds: DataSource;
  let projection: JobProjection;
  let queries: MetricsQueries;
  const range = { from: new Date(t0), to: new Date(t0 + 3 * HOUR), bucket: 'hour' as const };

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = createReadModelDataSource(db.url, { poolSize: 2 });
    await ds.initialize();
    await ds.runMigrations();
    projection = new JobProjection(ds);
    queries = new MetricsQueries(ds);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });
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

  it('gives the same figures one by one, redelivered, and rebuilt from sequence 1', async () => {
    for (const item of sequenced(history)) await projection.apply([item]);
    await projection.apply(sequenced(history)); // redelivery: nothing new
    const live = await queries.analytics('default', range);
    await projection.reset();
    await projection.apply(sequenced(history));
    expect(await queries.analytics('default', range)).toEqual(live);
    expect(live.totals.completed).toBe(4);
  });
});

describe('WorkflowDurations (the dispatcher deadline forecast, ADR 66)', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = createReadModelDataSource(db.url, { poolSize: 2 });
    await ds.initialize();
    await ds.runMigrations();
    await new JobProjection(ds).apply(sequenced(history));
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

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
