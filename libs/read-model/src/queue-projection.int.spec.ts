import type { DataSource } from 'typeorm';
import {
  JobAtRisk,
  JobDeadlineMissed,
  JobFailed,
  JobRequested,
  QueueDefined,
  QueueItemAdded,
  QueueItemAtRisk,
  QueueItemCompleted,
  QueueItemDeadlineMissed,
  QueueItemFailed,
  QueueItemReleased,
  QueueItemStarted,
  StepStalled,
  StepStarted,
  type Envelope,
} from '@aether/contracts';
import { createTestReadModel, type TestReadModel } from './test-support';
import { JobProjection, type ProjectableEvent } from './job-projection';
import { ReadModelQueries } from './job-queries';
import { QueueQueries } from './queue-queries';

const t0 = Date.parse('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(t0 + ms);
const iso = (ms: number) => at(ms).toISOString();
const on = (aggregateId: string, ms: number) => ({ tenantId: 'default', aggregateId, occurredAt: at(ms) });

const added = (item: string, ms: number, deadlineMs?: number) =>
  QueueItemAdded.create({
    ...on(item, ms),
    data: {
      queue: 'orders',
      reference: item,
      payload: {},
      priority: 10,
      ...(deadlineMs === undefined ? {} : { deadline: iso(deadlineMs) }),
      maxRetries: 1,
      addedBy: { kind: 'api' },
    },
  });
const started = (item: string, ms: number, attempt = 1) =>
  QueueItemStarted.create({
    ...on(item, ms),
    data: { jobId: `job-${attempt}`, stepKey: 'next', robotId: 'r1', attempt },
  });

/** Five items, one of each path: in time, retried then failed, missed kept, abandoned, missed failed. */
const queueHistory = (): Envelope[] => [
  QueueDefined.create({
    ...on('orders', 0),
    data: { maxRetries: 1, slaMs: 60_000, onDeadlineMissed: 'keep' },
  }),
  added('a', 1, 60_001),
  added('b', 2, 60_002),
  added('c', 3, 10_000),
  added('d', 4),
  added('e', 5, 20_000),
  started('a', 10),
  QueueItemCompleted.create({ ...on('a', 20), data: { jobId: 'job-1', output: { booked: true } } }),
  started('b', 21),
  QueueItemFailed.create({
    ...on('b', 22),
    data: { jobId: 'job-1', exception: 'application', message: 'timeout', retried: true },
  }),
  started('b', 23, 2),
  QueueItemFailed.create({
    ...on('b', 24),
    data: { jobId: 'job-2', exception: 'business', message: 'no stock', retried: false },
  }),
  QueueItemAtRisk.create({
    ...on('c', 25),
    data: { deadline: iso(10_000), predictedFinish: iso(12_000), ahead: 3 },
  }),
  QueueItemDeadlineMissed.create({
    ...on('c', 10_001),
    data: { deadline: iso(10_000), consequence: 'keep' },
  }),
  started('d', 26),
  QueueItemReleased.create({ ...on('d', 27), data: { jobId: 'job-1', reason: 'JobFailed', retried: false } }),
  QueueItemAtRisk.create({
    ...on('e', 28),
    data: { deadline: iso(20_000), predictedFinish: iso(25_000), ahead: 4 },
  }),
];

const jobHistory = (): Envelope[] => [
  JobRequested.create({
    ...on('late', 0),
    data: {
      workflowId: 'wf',
      workflowVersion: 1,
      variables: {},
      priority: 10,
      trigger: { kind: 'manual' },
      deadline: iso(5_000),
      onDeadlineMissed: 'fail',
    },
  }),
  JobRequested.create({
    ...on('risky', 1),
    data: {
      workflowId: 'wf',
      workflowVersion: 1,
      variables: {},
      priority: 10,
      trigger: { kind: 'manual' },
      deadline: iso(9_000),
    },
  }),
  StepStarted.create({
    ...on('late', 2),
    data: { stepKey: 'load', nodeId: 'load', nodeType: 'browser.goto', robotId: 'r1', attempt: 1 },
  }),
  StepStalled.create({
    ...on('late', 3_002),
    data: {
      stepKey: 'load',
      nodeId: 'load',
      nodeType: 'browser.goto',
      robotId: 'r1',
      elapsedMs: 3_000,
      limitMs: 3_000,
      basis: 'timeout',
      detectedBy: 'robot',
      outcome: 'retry',
    },
  }),
  JobAtRisk.create({
    ...on('late', 3_100),
    data: { deadline: iso(5_000), predictedFinish: iso(8_000), durationMs: 5_000 },
  }),
  JobAtRisk.create({
    ...on('risky', 3_200),
    data: { deadline: iso(9_000), predictedFinish: iso(9_500), durationMs: 5_000 },
  }),
  JobDeadlineMissed.create({ ...on('late', 5_001), data: { deadline: iso(5_000), consequence: 'fail' } }),
  JobFailed.create({
    ...on('late', 5_001),
    data: { error: { message: 'deadline missed', code: 'DeadlineMissed', retryable: false } },
  }),
];

const sequenced = (events: Envelope[], from = 1): ProjectableEvent[] =>
  events.map((event, i) => ({ sequence: from + i, event }));

describe('the queue and deadline projection', () => {
  let readModel: TestReadModel;
  let ds: DataSource;
  let projection: JobProjection;
  let queues: QueueQueries;

  beforeAll(async () => {
    readModel = await createTestReadModel();
    ds = readModel.dataSource;
    projection = new JobProjection(ds);
    queues = new QueueQueries(ds);
  });
  afterAll(() => readModel?.close());
  beforeEach(() => projection.reset());

  const snapshot = async () => ({
    queues: await ds.query('SELECT * FROM queues ORDER BY tenant_id, queue'),
    items: await ds.query('SELECT * FROM queue_items ORDER BY tenant_id, item_id'),
    jobs: await ds.query('SELECT * FROM jobs ORDER BY job_id'),
    steps: await ds.query('SELECT * FROM job_steps ORDER BY job_id, step_key'),
  });

  it("counts a queue's items per status, its deadline flags and the SLA it met", async () => {
    await projection.apply(sequenced(queueHistory()));
    const [orders] = await queues.queues('default');
    expect(orders).toEqual({
      queue: 'orders',
      maxRetries: 1,
      slaMs: 60_000,
      onDeadlineMissed: 'keep',
      trigger: null,
      items: { new: 2, 'in-progress': 0, successful: 1, failed: 1, abandoned: 1, retried: 0 },
      atRisk: 1,
      deadlineMissed: 1,
      // a met its deadline; b ended (failed) with one; d had none; c and e have not ended.
      sla: { ended: 2, met: 1 },
      oldestWaitingAt: iso(3),
    });
    expect(await queues.queues('other')).toEqual([]);
  });

  it('lists items by status and by deadline flag, newest first', async () => {
    await projection.apply(sequenced(queueHistory()));
    const list = (query: Parameters<QueueQueries['items']>[2]) =>
      queues.items('default', 'orders', query).then((items) => items.map((item) => item.reference));
    expect(await list({ limit: 50 })).toEqual(['e', 'd', 'c', 'b', 'a']);
    expect(await list({ status: 'new', limit: 50 })).toEqual(['e', 'c']);
    expect(await list({ deadline: 'at-risk', limit: 50 })).toEqual(['e']);
    expect(await list({ deadline: 'missed', limit: 50 })).toEqual(['c']);
    const [b] = await queues.items('default', 'orders', { status: 'failed', limit: 1 });
    expect(b).toMatchObject({
      reference: 'b',
      attempts: 2,
      jobId: 'job-2',
      finishedAt: iso(24),
      error: { exception: 'business', message: 'no stock' },
    });
    const [d] = await queues.items('default', 'orders', { status: 'abandoned', limit: 1 });
    expect(d).toMatchObject({ finishedAt: iso(27), error: { exception: 'released' } });
  });

  it("records a job's deadline, its at-risk forecast and its miss, and a step's stall", async () => {
    await projection.apply(sequenced(jobHistory()));
    expect(await queues.jobDeadlines('default')).toEqual({
      atRisk: 1,
      deadlineMissed: 1,
      flagged: [
        expect.objectContaining({ jobId: 'risky', status: 'pending', atRiskAt: iso(3_200), missedAt: null }),
        expect.objectContaining({
          jobId: 'late',
          status: 'failed',
          deadline: iso(5_000),
          predictedFinish: iso(8_000),
          missedAt: iso(5_001),
          consequence: 'fail',
        }),
      ],
    });
    const late = await new ReadModelQueries(ds).job('default', 'late');
    expect(late?.deadline).toEqual({
      at: iso(5_000),
      atRiskAt: iso(3_100),
      predictedFinish: iso(8_000),
      missedAt: iso(5_001),
      consequence: 'fail',
    });
    expect(late?.steps[0].stall).toEqual({
      at: iso(3_002),
      elapsedMs: 3_000,
      limitMs: 3_000,
      basis: 'timeout',
      detectedBy: 'robot',
      outcome: 'retry',
    });
  });

  it('gives the same rows event by event, in one batch, and when a batch is delivered again', async () => {
    const events = sequenced([...queueHistory(), ...jobHistory()]);
    await projection.apply(events);
    const whole = await snapshot();
    await projection.apply(events);
    expect(await snapshot()).toEqual(whole);
    await projection.reset();
    for (const event of events) await projection.apply([event]);
    expect(await snapshot()).toEqual(whole);
  });
});
