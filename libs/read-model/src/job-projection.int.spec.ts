import type { DataSource } from 'typeorm';
import {
  JobCompleted,
  JobDispatched,
  JobNeedsAttention,
  JobReleased,
  JobRequested,
  JobRetryScheduled,
  JobStarted,
  StepCompleted,
  StepFailed,
  StepResolved,
  StepStarted,
  WorkflowVersionPublished,
  type Envelope,
} from '@aether/contracts';
import { createTestReadModel, type TestReadModel } from './test-support';
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

/** The four events every job has, the ones a batch folds into one row change per job. */
function lifeOf(jobId: string): Envelope[] {
  const history = jobHistory(jobId);
  return [...history.slice(0, 3), history.at(-1) as Envelope];
}

/** Whole lives of several jobs as a busy stream interleaves them: every request, then every dispatch, … */
function livesOf(jobIds: string[]): Envelope[] {
  const lives = jobIds.map((jobId) => lifeOf(jobId));
  return lives[0].flatMap((_, i) => lives.map((life) => life[i]));
}

function sequenced(events: Envelope[], from = 1): ProjectableEvent[] {
  return events.map((event, i) => ({ sequence: from + i, event }));
}

describe('JobProjection', () => {
  let readModel: TestReadModel;
  let ds: DataSource;
  let projection: JobProjection;

  beforeAll(async () => {
    readModel = await createTestReadModel();
    ds = readModel.dataSource;
    projection = new JobProjection(ds);
  });
  afterAll(() => readModel?.close());
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

  it("lists a tenant's newest jobs, with or without a status, through an index instead of sorting them all", async () => {
    await projection.apply(sequenced(livesOf(['job-1', 'job-2', 'job-3'])));
    const queries = new ReadModelQueries(ds);
    expect((await queries.jobs('default', { limit: 2 })).map((job) => job.jobId)).toHaveLength(2);
    // The statements `jobs()` sends; with sequential scans off, a missing index shows as a Sort.
    const plan = async (where: string) => {
      const runner = ds.createQueryRunner();
      try {
        await runner.query('SET enable_seqscan = off');
        const [{ 'QUERY PLAN': json }] = await runner.query(
          `EXPLAIN (FORMAT JSON) SELECT * FROM jobs WHERE ${where} ORDER BY requested_at DESC LIMIT 50`,
        );
        return JSON.stringify(json);
      } finally {
        await runner.query('RESET enable_seqscan');
        await runner.release();
      }
    };
    const all = await plan(`tenant_id = 'default'`);
    expect(all).toContain('"Index Name":"jobs_by_time"');
    expect(all).not.toContain('"Node Type":"Sort"');
    expect(await plan(`tenant_id = 'default' AND status = 'completed'`)).not.toContain('"Node Type":"Sort"');
  });

  it('given a job history, when projected, then the job view shows every step in order and the outputs', async () => {
    const events = sequenced([
      WorkflowVersionPublished.create({
        ...base('wf', 0),
        data: { version: 1, definition: { id: 'wf', name: 'Demo', nodes: [] } },
      }),
      ...jobHistory('job-1'),
    ]);
    expect(await projection.apply(events)).toHaveLength(events.length);

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

  it("a released job and a resolved step wait as pending (the decider's word) until placed again", async () => {
    const [requested, dispatched, started] = jobHistory('job-1');
    const robot = { robotId: 'r1' };
    const status = async () => (await new ReadModelQueries(ds).job('default', 'job-1'))?.status;
    const placedAgain = (ms: number) =>
      JobDispatched.create({
        ...base('job-1', ms),
        data: { subject: 'aether.work.default.robot.r2', attempt: 1 },
      });
    const life = [
      requested,
      dispatched,
      started,
      JobReleased.create({ ...base('job-1', 12), data: { ...robot, reason: 'shutdown', completedSteps: 0 } }),
      placedAgain(13),
      JobStarted.create({ ...base('job-1', 14), data: { robotId: 'r2', delivery: 1, resumedAfterSteps: 0 } }),
      JobNeedsAttention.create({
        ...base('job-1', 15),
        data: { stepKey: 'a', nodeId: 'a', reason: 'no outcome', robotId: 'r2' },
      }),
      StepResolved.create({ ...base('job-1', 16), data: { stepKey: 'a', action: 'skip' } }),
      placedAgain(17),
    ];
    const statuses: (string | undefined)[] = [];
    for (const event of sequenced(life)) {
      await projection.apply([event]);
      statuses.push(await status());
    }
    expect(statuses).toEqual([
      'pending',
      'queued',
      'running',
      'pending',
      'queued',
      'running',
      'needs_attention',
      'pending',
      'queued',
    ]);
  });

  it('given events already applied, when they are delivered again, then nothing changes', async () => {
    const events = sequenced([...jobHistory('job-1'), ...jobHistory('job-2')]);
    await projection.apply(events.slice(0, 7));
    await projection.apply(events.slice(3, 14));
    await projection.apply(events.slice(14));
    const live = await snapshot();

    expect(await projection.apply(events)).toHaveLength(0);
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

  /** The rows after `given` as one batch, then `events` one batch per event: no folding at all. */
  const eventByEvent = async (given: ProjectableEvent[], events: ProjectableEvent[]) => {
    await projection.reset();
    if (given.length) await projection.apply(given);
    for (const event of events) await projection.apply([event]);
    return snapshot();
  };
  const rowVersions = () => ds.query('SELECT job_id, xmin FROM jobs ORDER BY job_id');
  /** Projects `events` event by event, then as one batch, expects the same rows; those rows. */
  const batchedAsOneByOne = async (events: ProjectableEvent[]) => {
    const oneByOne = await eventByEvent([], events);
    await projection.reset();
    await projection.apply(events);
    expect(await snapshot()).toEqual(oneByOne);
    return oneByOne;
  };

  it('a batch holding whole lives of jobs leaves the same rows as their events one by one', async () => {
    const oneByOne = await batchedAsOneByOne(sequenced(livesOf(['job-a', 'job-b', 'job-c'])));
    expect(oneByOne.jobs[0]).toMatchObject({
      status: 'completed',
      robot_id: 'r1',
      outputs: { confirmationNumber: 'AE-12345678' },
      requested_at: at(0),
      dispatched_at: at(5),
      started_at: at(10),
      finished_at: at(41),
      updated_at: at(41),
      last_sequence: '10',
    });
  });

  it('a first placement, no event of its own (ADR 26), is dated by the claim, in a batch and event by event', async () => {
    const [requested, , , completed] = lifeOf('job-first');
    const started = JobStarted.create({
      ...base('job-first', 10),
      data: { robotId: 'r1', delivery: 1, resumedAfterSteps: 0, dispatchedAt: at(5).toISOString() },
    });
    const oneByOne = await batchedAsOneByOne(sequenced([requested, started, completed]));
    expect(oneByOne.jobs[0]).toMatchObject({
      status: 'completed',
      robot_id: 'r1',
      dispatched_at: at(5),
      started_at: at(10),
    });
  });

  it("a batch that starts mid-life applies each event's rules to the row already there", async () => {
    const [requested, dispatched, started] = lifeOf('job-running');
    const given = sequenced([
      requested,
      dispatched,
      started,
      ...lifeOf('job-retry').slice(0, 3),
      JobRetryScheduled.create({
        ...base('job-retry', 12),
        data: {
          attempt: 2,
          notBefore: at(40).toISOString(),
          delayMs: 28,
          error: { message: 'lease lost', retryable: true },
        },
      }),
      lifeOf('job-pending')[0],
      ...lifeOf('job-done'),
    ]);
    const dispatchedAgain = (jobId: string) =>
      JobDispatched.create({
        ...base(jobId, 50),
        data: { subject: 'aether.work.default.robot.r2', attempt: 2 },
      });
    const startedAgain = (jobId: string) =>
      JobStarted.create({ ...base(jobId, 51), data: { robotId: 'r2', delivery: 1, resumedAfterSteps: 0 } });
    const completedAgain = (jobId: string) =>
      JobCompleted.create({ ...base(jobId, 52), data: { outputs: { again: true }, robotId: 'r2' } });
    const events = sequenced(
      [
        dispatchedAgain('job-running'),
        dispatchedAgain('job-retry'),
        startedAgain('job-retry'),
        dispatchedAgain('job-pending'),
        startedAgain('job-pending'),
        completedAgain('job-done'),
      ],
      given.length + 1,
    );
    const oneByOne = await eventByEvent(given, events);

    await projection.reset();
    await projection.apply(given);
    await projection.apply(events);
    const batched = await snapshot();
    expect(batched).toEqual(oneByOne);
    expect(
      batched.jobs.map((job: Record<string, unknown>) => [
        job['job_id'],
        job['status'],
        job['robot_id'],
        job['dispatched_at'],
        job['started_at'],
        job['finished_at'],
        job['updated_at'],
      ]),
    ).toEqual([
      ['job-done', 'completed', 'r2', at(5), at(10), at(52), at(52)],
      ['job-pending', 'running', 'r2', at(50), at(51), null, at(51)],
      ['job-retry', 'running', 'r2', at(5), at(10), null, at(51)],
      ['job-running', 'running', 'r1', at(5), at(10), null, at(50)],
    ]);
  });

  it('a batch for a job the projection never saw requested inserts no row', async () => {
    const [, dispatched, started, completed] = lifeOf('job-ghost');
    const events = sequenced([dispatched, started, completed]);

    expect(await projection.apply(events)).toHaveLength(3);
    expect(await snapshot()).toMatchObject({ jobs: [], checkpoint: 3 });
  });

  it('a JobRequested again for a job already there writes no new row version', async () => {
    const [requested, dispatched] = lifeOf('job-1');
    await projection.apply(sequenced([requested, dispatched]));
    const live = await snapshot();
    const versions = await rowVersions();

    await projection.apply(sequenced([requested], 3));
    expect((await snapshot()).jobs).toEqual(live.jobs);
    expect(await rowVersions()).toEqual(versions);
  });

  it('a batch already applied changes no row when delivered again', async () => {
    const events = sequenced([...lifeOf('job-1'), ...lifeOf('job-2')]);
    await projection.apply(events);
    const live = await snapshot();
    const versions = await rowVersions();

    expect(await projection.apply(events)).toHaveLength(0);
    expect(await snapshot()).toEqual(live);
    expect(await rowVersions()).toEqual(versions);
  });

  it('a batch of whole lives costs the same few statements however many jobs it holds', async () => {
    const statements = async (jobs: number, from: number) => {
      const jobIds = Array.from({ length: jobs }, (_, i) => `job-${from}-${i}`);
      const events = sequenced(livesOf(jobIds), from);
      const logQuery = jest.spyOn(ds.logger, 'logQuery');
      try {
        await projection.apply(events);
        return logQuery.mock.calls.length;
      } finally {
        logQuery.mockRestore();
      }
    };
    // START TRANSACTION, checkpoint read and lock, the jobs upsert, checkpoint write, COMMIT.
    expect(await statements(1, 1)).toBe(5);
    expect(await statements(40, 1_000)).toBe(5);
  });
});
