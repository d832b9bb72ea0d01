import {
  JobCompleted,
  JobRequested,
  QueueDefined,
  QueueItemReplySchema,
  QUEUE_TRIGGER_EVENTS,
  MessageRegistry,
  QueueTakeReplySchema,
  STREAMS,
  WorkflowVersionPublished,
  subjects,
  type QueueTakeReply,
  type QueueTriggerEvent,
} from '@aether/contracts';
import { startJetStream, type TestJetStream } from '@aether/event-store/test-support';
import { queueItemId } from '@aether/queue-domain';
import { QueueItems, queueItemEvents } from '@aether/queues';
import { createLogger } from '@aether/service-kit';
import { eventually } from '@aether/testing';
import { QueueKeeper } from './queue-keeper';

const tenantId = 'default';
const triggerEvents = new MessageRegistry<QueueTriggerEvent>(QUEUE_TRIGGER_EVENTS);
const nodes = [{ id: 'stop', type: 'stopWithError', params: { message: 'never run' } }];

describe('queue keeper (real nats-server)', () => {
  let jet: TestJetStream;
  let keepers: QueueKeeper[];
  let items: QueueItems;

  beforeAll(async () => {
    jet = await startJetStream('queue-keeper-spec');
    items = new QueueItems(jet.store);
    const logger = createLogger('queue-keeper-spec', 'silent');
    // Two replicas: every take and release is fenced by the item's expected sequence.
    keepers = [0, 1].map(() => new QueueKeeper(jet.nc, jet.js, jet.jsm, jet.store, { sweepMs: 100 }, logger));
    await Promise.all(keepers.map((keeper) => keeper.start()));
    await publish('wf', 1, { queue: { type: 'string' } });
  });

  const publish = (workflowId: string, version: number, inputs: Record<string, unknown>) =>
    jet.store.append(
      subjects.event(tenantId, 'workflow', workflowId),
      [
        WorkflowVersionPublished.create({
          tenantId,
          aggregateId: workflowId,
          data: { version, definition: { id: workflowId, inputs, nodes } as never },
        }),
      ],
      'any',
    );
  const define = (queue: string, workflowId: string) =>
    jet.store.append(
      subjects.event(tenantId, 'queue', queue),
      [
        QueueDefined.create({
          tenantId,
          aggregateId: queue,
          data: { maxRetries: 0, trigger: { workflowId, itemsPerJob: 1, maxConcurrentJobs: 1 } },
        }),
      ],
      'any',
    );
  /** The `RequestJob` commands sent for a queue's trigger (nothing consumes them here). */
  const requestsFor = async (queue: string) => {
    const found: { data: { workflowVersion?: number } }[] = [];
    const info = await jet.jsm.streams.info(STREAMS.commands);
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const stored = await jet.jsm.streams.getMessage(STREAMS.commands, { seq }).catch(() => null);
      const command = stored?.json<{ data: { variables: { queue?: string }; workflowVersion?: number } }>();
      if (command?.data.variables.queue === queue) found.push(command);
    }
    return found;
  };

  afterAll(async () => {
    await Promise.all(keepers?.map((keeper) => keeper.stop()) ?? []);
    await jet?.close();
  });

  const add = (queue: string, reference: string, priority = 10, deadline?: string) =>
    items.execute(tenantId, queueItemId(queue, reference), {
      type: 'AddItem',
      queue,
      reference,
      payload: { reference },
      priority,
      ...(deadline ? { deadline } : {}),
      maxRetries: 1,
      addedBy: { kind: 'api' },
    });

  async function take(queue: string, jobId: string, stepKey = 'next'): Promise<QueueTakeReply['item']> {
    const reply = await jet.nc.request(
      subjects.queueTake(tenantId, queue),
      JSON.stringify({ jobId, stepKey, robotId: 'r1' }),
      {
        timeout: 5_000,
      },
    );
    return QueueTakeReplySchema.parse(reply.json()).item;
  }

  /** The item `take` answers once the keeper holds what was just added (null until then: ask again). */
  function taken(queue: string, jobId: string, stepKey?: string) {
    return eventually(async () => (await take(queue, jobId, stepKey)) ?? undefined);
  }

  it('leases each item to exactly one of many concurrent takes, in priority then deadline order', async () => {
    await add('orders', 'late', 10, '2030-01-02T00:00:00Z');
    await add('orders', 'soon', 10, '2030-01-01T00:00:00Z');
    await add('orders', 'urgent', 15);
    for (let n = 0; n < 20; n++) await add('orders', `bulk-${n}`);
    await eventually(async () => (await take('orders', 'j-a')) ?? undefined).then((first) =>
      expect(first.reference).toBe('urgent'),
    );
    const next = [await take('orders', 'j-b'), await take('orders', 'j-c')];
    expect(next.map((item) => item?.reference)).toEqual(['soon', 'late']);

    const taken = await Promise.all(Array.from({ length: 40 }, (_, n) => take('orders', `job-${n}`)));
    const references = taken.filter((item) => item !== null).map((item) => item.reference);
    expect(new Set(references).size).toBe(references.length);
    expect(references.length).toBe(20);
    expect(await take('orders', 'job-late')).toBeNull();
  });

  async function op(queue: string, verb: 'complete' | 'fail' | 'add', body: object) {
    const reply = await jet.nc.request(subjects.queueItemOp(tenantId, queue, verb), JSON.stringify(body), {
      timeout: 5_000,
    });
    return QueueItemReplySchema.parse(reply.json());
  }

  it('completes and fails items for the job holding them: business once, application until maxRetries', async () => {
    await add('outcomes', 'done');
    await add('outcomes', 'bad-data');
    await add('outcomes', 'flaky');
    const first = await taken('outcomes', 'job-o1');
    const held = [first, await take('outcomes', 'job-o2'), await take('outcomes', 'job-o3')];
    const byRef = Object.fromEntries(
      held.map((item, n) => [item?.reference, { item, jobId: `job-o${n + 1}` }]),
    );
    const {
      done,
      'bad-data': bad,
      flaky,
    } = byRef as Record<string, { item: { itemId: string }; jobId: string }>;

    expect(
      await op('outcomes', 'complete', { jobId: bad.jobId, itemId: done.item.itemId, output: {} }),
    ).toMatchObject({ ok: false, code: 'NotHeld' });
    const completion = { jobId: done.jobId, itemId: done.item.itemId, output: { invoice: 'INV-1' } };
    expect(await op('outcomes', 'complete', completion)).toMatchObject({ ok: true, status: 'successful' });
    expect(await op('outcomes', 'complete', completion)).toMatchObject({ ok: true, status: 'successful' });

    const business = {
      jobId: bad.jobId,
      itemId: bad.item.itemId,
      exception: 'business',
      message: 'closed account',
    };
    expect(await op('outcomes', 'fail', business)).toMatchObject({ ok: true, status: 'failed' });
    // A business failure is final: nothing waits in the queue.
    expect(await take('outcomes', 'job-o4')).toBeNull();

    // maxRetries 1: the application exception puts it back once, the second fails it.
    const application = (jobId: string) => ({
      jobId,
      itemId: flaky.item.itemId,
      exception: 'application',
      message: 'ERP down',
    });
    expect(await op('outcomes', 'fail', application(flaky.jobId))).toMatchObject({
      ok: true,
      status: 'retried',
    });
    const again = await taken('outcomes', 'job-o5');
    expect(again).toMatchObject({ reference: 'flaky', attempt: 2 });
    expect(await op('outcomes', 'fail', application('job-o5'))).toMatchObject({ ok: true, status: 'failed' });
    expect((await items.read(tenantId, bad.item.itemId)).state).toMatchObject({
      status: 'failed',
      attempts: 1,
    });
    expect((await items.read(tenantId, done.item.itemId)).state).toMatchObject({
      status: 'successful',
      output: { invoice: 'INV-1' },
    });
  });

  it('adds items from a workflow with the queue policy; a duplicate reference is refused naming the item', async () => {
    await jet.store.append(
      subjects.event(tenantId, 'queue', 'added'),
      [QueueDefined.create({ tenantId, aggregateId: 'added', data: { maxRetries: 2, slaMs: 60_000 } })],
      'any',
    );
    const body = { jobId: 'job-add', reference: 'PO-9', payload: { n: 9 }, priority: 12 };
    const added = await op('added', 'add', body);
    expect(added).toMatchObject({ ok: true, itemId: queueItemId('added', 'PO-9'), status: 'new' });
    const deadline = added.ok ? Date.parse(added.deadline ?? '') : NaN;
    expect(deadline - Date.now()).toBeGreaterThan(50_000);
    expect(deadline - Date.now()).toBeLessThanOrEqual(60_000);
    // The same step of the same job again (its robot died inside it): answered, not refused.
    expect(await op('added', 'add', body)).toMatchObject({ ok: true, status: 'new' });
    expect(await op('added', 'add', { ...body, jobId: 'job-other' })).toEqual({
      ok: false,
      code: 'DuplicateReference',
      message: expect.stringContaining('PO-9'),
      itemId: queueItemId('added', 'PO-9'),
    });
    expect((await items.read(tenantId, queueItemId('added', 'PO-9'))).state).toMatchObject({
      maxRetries: 2,
      priority: 12,
    });
    expect(await op('nowhere', 'add', body)).toMatchObject({ ok: false, code: 'UnknownQueue' });
  });

  it('records a missed deadline once: kept waiting, or failed when the queue says so', async () => {
    for (const [queue, onDeadlineMissed] of [
      ['late-keep', 'keep'],
      ['late-fail', 'fail'],
    ] as const)
      await jet.store.append(
        subjects.event(tenantId, 'queue', queue),
        [QueueDefined.create({ tenantId, aggregateId: queue, data: { maxRetries: 0, onDeadlineMissed } })],
        'any',
      );
    const soon = new Date(Date.now() + 300).toISOString();
    await add('late-keep', 'k-1', 10, soon);
    await add('late-fail', 'f-1', 10, soon);
    const kept = await eventually(async () => {
      const { state } = await items.read(tenantId, queueItemId('late-keep', 'k-1'));
      return state.deadlineMissed ? state : undefined;
    });
    expect(kept.status).toBe('new');
    const failed = await eventually(async () => {
      const { state } = await items.read(tenantId, queueItemId('late-fail', 'f-1'));
      return state.deadlineMissed ? state : undefined;
    });
    expect(failed).toMatchObject({ status: 'failed', error: { exception: 'deadline' } });
    const history = await jet.store.read(
      subjects.event(tenantId, 'queue-item', queueItemId('late-keep', 'k-1')),
      queueItemEvents,
    );
    expect(history.events.filter(({ event }) => event.type === 'QueueItemDeadlineMissed')).toHaveLength(1);
  });

  it('gives a step that asks again (after a crash) the item it already holds', async () => {
    await add('retake', 'only');
    const first = await taken('retake', 'job-1', 'next[0]');
    expect(await take('retake', 'job-1', 'next[0]')).toEqual(first);
    expect(await take('retake', 'job-2', 'next[0]')).toBeNull();
  });

  it('releases the item of a job that ended without an outcome, for a retry, then abandons it', async () => {
    await add('release', 'r-1');
    const itemId = queueItemId('release', 'r-1');
    const end = async (jobId: string) => {
      const subject = subjects.event(tenantId, 'job', jobId);
      await jet.store.append(
        subject,
        [
          JobRequested.create({
            tenantId,
            aggregateId: jobId,
            data: {
              workflowId: 'wf',
              workflowVersion: 1,
              variables: {},
              priority: 10,
              trigger: { kind: 'queue' },
            },
          }),
        ],
        0,
      );
      await jet.store.append(
        subject,
        [JobCompleted.create({ tenantId, aggregateId: jobId, data: { outputs: {}, robotId: 'r1' } })],
        'any',
      );
    };
    expect(await taken('release', 'job-x')).toMatchObject({ reference: 'r-1', attempt: 1 });
    await end('job-x');
    await eventually(async () =>
      (await items.read(tenantId, itemId)).state.status === 'retried' ? true : undefined,
    );
    expect(await take('release', 'job-y')).toMatchObject({ reference: 'r-1', attempt: 2 });
    await end('job-y');
    await eventually(async () =>
      (await items.read(tenantId, itemId)).state.status === 'abandoned' ? true : undefined,
    );
  });

  it('starts one job per N waiting items, at most maxConcurrentJobs, once across replicas', async () => {
    await jet.store.append(
      subjects.event(tenantId, 'queue', 'triggered'),
      [
        QueueDefined.create({
          tenantId,
          aggregateId: 'triggered',
          data: { maxRetries: 0, trigger: { workflowId: 'wf', itemsPerJob: 2, maxConcurrentJobs: 3 } },
        }),
      ],
      'any',
    );
    for (let n = 0; n < 4; n++) await add('triggered', `t-${n}`);
    const requested = await eventually(async () => {
      const info = await jet.jsm.streams.info(STREAMS.commands, {
        subjects_filter: subjects.commandsOf('RequestJob'),
      });
      return info.state.messages >= 2 ? info.state.messages : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 500)); // several sweeps of both replicas
    const info = await jet.jsm.streams.info(STREAMS.commands, {
      subjects_filter: subjects.commandsOf('RequestJob'),
    });
    expect(info.state.messages).toBe(requested);
    expect(requested).toBe(2);
  });

  it('records once that the workflow refuses the input of the queue trigger, starts nothing, and fires once a version takes it', async () => {
    await publish('needs-customer', 1, { customer: { type: 'string', required: true } });
    await define('refusing', 'needs-customer');
    await add('refusing', 'r-1');
    const fires = async () =>
      (await jet.store.read(subjects.event(tenantId, 'queue-trigger', 'refusing'), triggerEvents)).events.map(
        ({ event }) => event,
      );
    await eventually(async () => ((await fires()).length > 0 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 500)); // several sweeps of both replicas
    const [refused, ...more] = await fires();
    expect(more).toEqual([]);
    expect(refused).toMatchObject({
      type: 'QueueTriggerRefused',
      data: {
        workflowId: 'needs-customer',
        workflowVersion: 1,
        waiting: 1,
        problems: [
          { path: 'inputs.customer', message: 'required' },
          { path: 'inputs.queue', message: 'unknown input' },
        ],
      },
    });
    expect(await requestsFor('refusing')).toEqual([]);

    await publish('needs-customer', 2, {
      queue: { type: 'string' },
      customer: { type: 'string', default: 'walk-in' },
    });
    const [started] = await eventually(async () => {
      const requests = await requestsFor('refusing');
      return requests.length > 0 ? requests : undefined;
    });
    expect(started?.data.workflowVersion).toBe(2);
    expect((await fires()).map((event) => event.type)).toEqual(['QueueTriggerRefused', 'QueueJobsStarted']);
  });
});
