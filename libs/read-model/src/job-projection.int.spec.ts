import type { DataSource } from 'typeorm';
import {
  JobCompleted,
  JobDispatched,
  JobRequested,
  JobStarted,
  StepCompleted,
  StepFailed,
  StepStarted,
  WorkflowVersionPublished,
  type Envelope,
} from '@aether/contracts';
import { createTestDatabase, type TestDatabase } from '@aether/testing';
import { createReadModelDataSource } from './data-source';
import { JobProjection, type ProjectableEvent } from './job-projection';
import { ReadModelQueries } from './job-queries';

const t0 = Date.parse('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(t0 + ms);
const base = (jobId: string, ms: number) => ({ tenantId: 'default', aggregateId: jobId, occurredAt: at(ms) });

function jobHistory(jobId: string): Envelope[] {
  return [
    JobRequested.create({
      ...base(jobId, 0),
      data: {
        workflowId: 'wf',
        workflowVersion: 1,
        variables: { q: 2 },
        priority: 10,
        trigger: { kind: 'manual' },
      },
    }),
    JobDispatched.create({
      ...base(jobId, 5),
      data: { subject: 'aether.work.default.pool.default', attempt: 1 },
    }),
    JobStarted.create({ ...base(jobId, 10), data: { robotId: 'r1', delivery: 1, resumedAfterSteps: 0 } }),
    StepStarted.create({
      ...base(jobId, 11),
      data: { stepKey: 'a', nodeId: 'a', nodeType: 'browser.goto', robotId: 'r1', attempt: 1 },
    }),
    StepFailed.create({
      ...base(jobId, 20),
      data: { stepKey: 'a', nodeId: 'a', durationMs: 9, error: { message: 'flaky', retryable: true } },
    }),
    StepStarted.create({
      ...base(jobId, 21),
      data: { stepKey: 'a', nodeId: 'a', nodeType: 'browser.goto', robotId: 'r1', attempt: 2 },
    }),
    StepCompleted.create({
      ...base(jobId, 30),
      data: { stepKey: 'a', nodeId: 'a', durationMs: 9, output: { ok: true } },
    }),
    StepStarted.create({
      ...base(jobId, 31),
      data: { stepKey: 'b', nodeId: 'b', nodeType: 'browser.extractText', robotId: 'r1', attempt: 1 },
    }),
    StepCompleted.create({
      ...base(jobId, 40),
      data: { stepKey: 'b', nodeId: 'b', durationMs: 9, output: { text: 'AE-12345678' } },
    }),
    JobCompleted.create({
      ...base(jobId, 41),
      data: { outputs: { confirmationNumber: 'AE-12345678' }, robotId: 'r1' },
    }),
  ];
}

function sequenced(events: Envelope[], from = 1): ProjectableEvent[] {
  return events.map((event, i) => ({ sequence: from + i, event }));
}

describe('JobProjection', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let projection: JobProjection;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = createReadModelDataSource(db.url, { poolSize: 2 });
    await ds.initialize();
    await ds.runMigrations();
    projection = new JobProjection(ds);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });
  beforeEach(() => projection.reset());

  const snapshot = async () => ({
    jobs: await ds.query('SELECT * FROM jobs ORDER BY tenant_id, job_id'),
    steps: await ds.query('SELECT * FROM job_steps ORDER BY tenant_id, job_id, step_key'),
    workflows: await ds.query('SELECT * FROM workflows ORDER BY workflow_id, version'),
    checkpoint: await projection.checkpoint(),
  });

  it('migrations produce exactly the schema the entities describe', async () => {
    const pending = await ds.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('given a job history, when projected, then the job view shows every step in order and the outputs', async () => {
    const events = sequenced([
      WorkflowVersionPublished.create({
        ...base('wf', 0),
        data: { version: 1, definition: { id: 'wf', name: 'Demo', nodes: [] } },
      }),
      ...jobHistory('job-1'),
    ]);
    expect(await projection.apply(events)).toBe(events.length);

    const view = await new ReadModelQueries(ds).job('default', 'job-1');
    expect(view).toMatchObject({
      status: 'completed',
      robotId: 'r1',
      workflowVersion: 1,
      durationMs: 31,
      outputs: { confirmationNumber: 'AE-12345678' },
    });
    expect(view?.steps.map((s) => [s.stepKey, s.status, s.attempt, s.durationMs])).toEqual([
      ['a', 'completed', 2, 9],
      ['b', 'completed', 1, 9],
    ]);
    expect(await new ReadModelQueries(ds).job('other-tenant', 'job-1')).toBeUndefined();
  });

  it('given events already applied, when they are delivered again, then nothing changes', async () => {
    const events = sequenced([...jobHistory('job-1'), ...jobHistory('job-2')]);
    await projection.apply(events.slice(0, 7));
    await projection.apply(events.slice(3, 14));
    await projection.apply(events.slice(14));
    const live = await snapshot();

    expect(await projection.apply(events)).toBe(0);
    expect(await snapshot()).toEqual(live);
  });

  it('a rebuild from sequence 1 in other batch sizes equals the live projection', async () => {
    const events = sequenced([...jobHistory('job-1'), ...jobHistory('job-2')]);
    for (const event of events) await projection.apply([event]);
    const live = await snapshot();

    await projection.reset();
    await projection.apply(events);
    expect(await snapshot()).toEqual(live);
    expect(live.checkpoint).toBe(events.length);
  });

  it('a batch of interleaved jobs, one placed again after its robot went offline, projects as event by event does', async () => {
    const lifecycle = (jobId: string, redispatch: boolean): Envelope[] => {
      const [requested, dispatched, started] = jobHistory(jobId);
      const completed = jobHistory(jobId).at(-1) as Envelope;
      const again = redispatch
        ? [
            JobDispatched.create({
              ...base(jobId, 13),
              data: { subject: 'aether.work.default.robot.r2', attempt: 1 },
            }),
            JobStarted.create({
              ...base(jobId, 14),
              data: { robotId: 'r2', delivery: 1, resumedAfterSteps: 0 },
            }),
          ]
        : [];
      return [requested, dispatched, started, ...again, completed];
    };
    const [a, b, c] = [lifecycle('job-a', false), lifecycle('job-b', true), lifecycle('job-c', false)];
    const interleaved = Array.from({ length: 6 }, (_, i) => [a[i], b[i], c[i]])
      .flat()
      .filter(Boolean) as Envelope[];
    const events = sequenced(interleaved);
    for (const event of events) await projection.apply([event]);
    const live = await snapshot();

    await projection.reset();
    await projection.apply(events);
    expect(await snapshot()).toEqual(live);
    expect(live.jobs.map((job: { status: string; robot_id: string }) => [job.status, job.robot_id])).toEqual([
      ['completed', 'r1'],
      ['completed', 'r1'],
      ['completed', 'r1'],
    ]);
  });
});
