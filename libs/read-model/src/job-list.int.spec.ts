import type { DataSource } from 'typeorm';
import { JobCompleted, JobDispatched, JobRequested, JobStarted, type Envelope } from '@aether/contracts';
import { JobsQuerySchema, type JobListItem, type JobsQuery } from '@aether/read-api';
import { createTestReadModel, type TestReadModel } from './test-support';
import { JobProjection } from './job-projection';
import { InvalidCursorError, MetricsQueries } from './metrics-queries';

const t0 = Date.parse('2026-03-01T00:00:00Z');
const STAGES = ['requested', 'queued', 'running', 'completed'] as const;

/** Job `i`: one of three workflows, priority i mod 21, two jobs per request instant, four stages. */
function jobEvents(i: number, tenantId = 'default'): Envelope[] {
  const jobId = `job-${String(i).padStart(3, '0')}`;
  const at = (ms: number) => ({
    tenantId,
    aggregateId: jobId,
    occurredAt: new Date(t0 + Math.floor(i / 2) * 60_000 + ms),
  });
  const robotId = `robot-${i % 2}`;
  const stage = STAGES[i % 4];
  const events: Envelope[] = [
    JobRequested.create({
      ...at(0),
      data: {
        workflowId: `wf-${i % 3}`,
        workflowVersion: 1,
        variables: {},
        priority: i % 21,
        trigger: { kind: 'manual' },
      },
    }),
  ];
  if (stage === 'requested') return events;
  events.push(
    JobDispatched.create({ ...at(5), data: { subject: 'aether.work.default.pool.p', attempt: 1 } }),
  );
  if (stage === 'queued') return events;
  events.push(JobStarted.create({ ...at(10), data: { robotId, delivery: 1, resumedAfterSteps: 0 } }));
  if (stage === 'completed')
    events.push(JobCompleted.create({ ...at(1510), data: { outputs: {}, robotId } }));
  return events;
}

describe('MetricsQueries.jobs (the Jobs page, by keyset)', () => {
  const COUNT = 130;
  let readModel: TestReadModel;
  let ds: DataSource;
  let queries: MetricsQueries;
  let all: JobListItem[];
  let stored = 0;

  beforeAll(async () => {
    readModel = await createTestReadModel();
    ds = readModel.dataSource;
    const events = [...Array.from({ length: COUNT }, (_, i) => jobEvents(i)).flat(), ...jobEvents(7, 'acme')];
    await new JobProjection(ds).apply(events.map((event, i) => ({ sequence: i + 1, event })));
    stored = events.length;
    queries = new MetricsQueries(ds);
    all = (await queries.jobs('default', JobsQuerySchema.parse({ limit: 200 }))).items;
  });
  afterAll(() => readModel?.close());

  /** Every page from the first, following `nextCursor`. */
  async function walk(query: Record<string, string> = {}): Promise<{ pages: number; items: JobListItem[] }> {
    const items: JobListItem[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await queries.jobs(
        'default',
        JobsQuerySchema.parse({ ...query, ...(cursor ? { cursor } : {}) }),
      );
      pages++;
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return { pages, items };
  }

  type Key = string | number;
  const compare = (a: Key[], b: Key[]) => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
    return 0;
  };
  const keyOf: Record<JobsQuery['sort'], (j: JobListItem) => Key[]> = {
    requestedAt: (j) => [j.requestedAt, j.jobId],
    priority: (j) => [j.priority, j.requestedAt, j.jobId],
    workflowId: (j) => [j.workflowId, j.requestedAt, j.jobId],
    status: (j) => [j.status, j.requestedAt, j.jobId],
  };

  it("lists the tenant's jobs newest first, 50 a page, each once", async () => {
    expect(all).toHaveLength(COUNT); // acme's job is not among them
    const { pages, items } = await walk();
    expect(pages).toBe(3);
    // The checkpoint read with the page: the live feed resumes after it.
    expect((await queries.jobs('default', JobsQuerySchema.parse({}))).asOf).toBe(stored);
    expect(items.map((j) => j.jobId)).toEqual(all.map((j) => j.jobId));
    expect(new Set(items.map((j) => j.jobId)).size).toBe(COUNT);
    const times = items.map((j) => j.requestedAt);
    expect([...times].sort().reverse()).toEqual(times);
    expect(items.find((j) => j.jobId === 'job-003')).toMatchObject({
      status: 'completed',
      robotId: 'robot-1',
      durationMs: 1500,
      workflowVersion: 1,
    });
  });

  it.each([
    ['requestedAt', 'asc'],
    ['priority', 'desc'],
    ['priority', 'asc'],
    ['workflowId', 'asc'],
    ['status', 'desc'],
  ] as const)('pages through every job sorted by %s %s, ties broken by time then id', async (sort, order) => {
    const { items } = await walk({ sort, order, limit: '17' });
    const expected = [...all].sort(
      (a, b) => compare(keyOf[sort](a), keyOf[sort](b)) * (order === 'asc' ? 1 : -1),
    );
    expect(items.map((j) => j.jobId)).toEqual(expected.map((j) => j.jobId));
  });

  it('filters by workflow, robot, status and request time, together', async () => {
    const from = new Date(t0 + 10 * 60_000).toISOString();
    const to = new Date(t0 + 50 * 60_000).toISOString();
    const { items } = await walk({
      workflowId: 'wf-1',
      robotId: 'robot-1',
      status: 'running,completed',
      from,
      to,
      limit: '3',
    });
    const expected = all.filter(
      (j) =>
        j.workflowId === 'wf-1' &&
        j.robotId === 'robot-1' &&
        ['running', 'completed'].includes(j.status) &&
        j.requestedAt >= from &&
        j.requestedAt < to,
    );
    expect(expected.length).toBeGreaterThan(3);
    expect(items.map((j) => j.jobId)).toEqual(expected.map((j) => j.jobId));
    expect((await walk({ status: 'failed' })).items).toEqual([]);
  });

  it('refuses a cursor made for another sort, or not made here', async () => {
    const first = await queries.jobs('default', JobsQuerySchema.parse({ sort: 'priority' }));
    await expect(
      queries.jobs('default', JobsQuerySchema.parse({ cursor: first.nextCursor })),
    ).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(
      queries.jobs('default', JobsQuerySchema.parse({ cursor: 'bm90LWpzb24' })),
    ).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it('reads a page from an index, not by scanning and sorting the jobs table', async () => {
    const runner = ds.createQueryRunner();
    try {
      await runner.query('SET enable_seqscan = off'); // a 130-row table would be scanned otherwise
      for (const [filter, index] of [
        ['', 'jobs_by_time'],
        [`AND workflow_id = 'wf-1'`, 'jobs_by_workflow'],
        [`AND robot_id = 'robot-1'`, 'jobs_by_robot'],
      ] as const) {
        const plan = (await runner.query(
          `EXPLAIN SELECT job_id FROM jobs WHERE tenant_id = 'default' ${filter}
            ORDER BY requested_at DESC, job_id DESC LIMIT 51`,
        )) as { 'QUERY PLAN': string }[];
        expect(plan.map((row) => row['QUERY PLAN']).join('\n')).toContain(index);
      }
    } finally {
      await runner.release();
    }
  });
});
