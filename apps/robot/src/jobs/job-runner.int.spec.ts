import {
  JOB_EVENTS,
  JobCancelRequested,
  JobCancelled,
  JobDispatched,
  JobRequested,
  JobStarted,
  MessageRegistry,
  StepFailed,
  StepStarted,
  RunJob,
  newId,
  subjects,
  type JobEvent,
  type JsonObject,
} from '@aether/contracts';
import { startJetStream, type TestJetStream } from '@aether/event-store/test-support';
import { createLogger } from '@aether/service-kit';
import pino from 'pino';
import { parseWorkflow, type Workflow } from '@aether/workflow';
import type { WorkflowCatalog } from '../workflows/workflow-catalog';
import { JobRunner, type Claim, type JobRunnerDeps } from './job-runner';

const jobEvents = new MessageRegistry<JobEvent>(JOB_EVENTS);

/** No robot step: the job completes, or fails when its `stop` input is true. */
const parsed = parseWorkflow({
  id: 'gate',
  inputs: { stop: { type: 'boolean', default: false } },
  nodes: [
    { id: 'gate', type: 'if', params: { condition: 'inputs.stop' }, branches: { then: 'stop' } },
    { id: 'stop', type: 'stopWithError', params: { message: 'stopped by a variable' } },
  ],
});
if (!parsed.ok) throw new Error('test workflow is invalid');
const workflow: Workflow = parsed.workflow;

/** One step, retried after 400 ms when it fails. */
const retrying = parseWorkflow({
  id: 'retrying',
  nodes: [
    { id: 'again', type: 'retry', params: { attempts: 3, backoffMs: 400 }, body: 'set' },
    { id: 'set', type: 'data.set', params: { values: { a: 1 } } },
  ],
});
if (!retrying.ok) throw new Error('retrying workflow is invalid');

/** One step, no retry of its own: its failure is the job's. */
const oneStep = parseWorkflow({
  id: 'one-step',
  nodes: [{ id: 'set', type: 'data.set', params: { values: { a: 1 } } }],
});
if (!oneStep.ok) throw new Error('one-step workflow is invalid');

/** Three idempotent steps: an ambiguous one is run again. */
const threeSets = parseWorkflow({
  id: 'three-sets',
  nodes: [
    { id: 's1', type: 'data.set', params: { values: { a: 1 } }, next: 's2' },
    { id: 's2', type: 'data.set', params: { values: { b: 2 } }, next: 's3' },
    { id: 's3', type: 'data.set', params: { values: { c: 3 } } },
  ],
});
if (!threeSets.ok) throw new Error('three-sets workflow is invalid');

describe('JobRunner claiming a job (real nats-server)', () => {
  let nats: TestJetStream;
  let runner: JobRunner;
  let runnerDeps: JobRunnerDeps;

  beforeAll(async () => {
    nats = await startJetStream('job-runner-test');
    runnerDeps = {
      store: nats.store,
      workflows: { get: async () => workflow } as unknown as WorkflowCatalog,
      handlers: new Map(),
      openBrowser: () => ({
        page: () => Promise.reject(new Error('no browser here')),
        close: async () => undefined,
      }),
      storeArtifact: () => Promise.reject(new Error('no artifacts here')),
      secret: () => undefined,
      robotId: 'robot-a',
      logger: createLogger('job-runner-test', 'silent'),
    };
    runner = new JobRunner(runnerDeps);
  });
  afterAll(() => nats?.close());
  afterEach(() => jest.restoreAllMocks());

  /**
   * A job requested and placed on robot-a for the first time, as the scheduler and dispatcher
   * leave it: a first placement is its work message alone (ADR 26).
   */
  async function placedJob(variables: JsonObject) {
    const jobId = newId();
    const subject = subjects.event('default', 'job', jobId);
    const base = { tenantId: 'default', aggregateId: jobId };
    const requested = await nats.store.append(
      subject,
      [
        JobRequested.create({
          ...base,
          data: { workflowId: 'gate', workflowVersion: 1, variables, priority: 10, trigger: { kind: 'api' } },
        }),
      ],
      0,
    );
    const work = RunJob.create({
      ...base,
      data: {
        workflowId: 'gate',
        workflowVersion: 1,
        priority: 10,
        attempt: 1,
        fresh: { sequence: requested.lastSequence, variables },
      },
    });
    return { jobId, subject, base, work, requestedAt: requested.lastSequence };
  }

  /** The work message of a later placement on robot-a (after a failover or a retry): no `fresh`. */
  const placedAgain = ({ data: { fresh: _fresh, ...data }, ...work }: Claim['work']): Claim['work'] => ({
    ...work,
    data,
  });
  const dispatchedTo = (base: { tenantId: string; aggregateId: string }, robotId: string) =>
    JobDispatched.create({ ...base, data: { subject: subjects.robotWork('default', robotId), attempt: 1 } });
  const startedBy = (base: { tenantId: string; aggregateId: string }, robotId: string) =>
    JobStarted.create({ ...base, data: { robotId, delivery: 1, resumedAfterSteps: 0 } });

  const claim = (work: Claim['work'], delivery = 1): Claim => ({
    work,
    delivery,
    stopping: new AbortController().signal,
    abortStep: new AbortController().signal,
    cancelled: new AbortController().signal,
  });
  const typesOf = async (subject: string) =>
    (await nats.store.read(subject, jobEvents)).events.map((stored) => stored.event.type);

  it('starts a fresh first delivery from the work message without reading the log', async () => {
    const job = await placedJob({ stop: true });
    const reads = jest.spyOn(nats.store, 'read');

    expect(await runner.run(claim(job.work))).toBe('failed');

    expect(reads).not.toHaveBeenCalled();
    const history = (await nats.store.read(job.subject, jobEvents)).events;
    expect(history.map((stored) => stored.event.type)).toEqual(['JobRequested', 'JobStarted', 'JobFailed']);
    expect(history[2].event.data).toMatchObject({ error: { message: 'stopped by a variable' } });
    // The claim costs no append of its own: JobStarted is committed with the claim's first decision.
    expect(history[1].sequence).toBe(history[2].sequence);
    expect(history[1].sequence).toBeGreaterThan(history[0].sequence);
    // The placement, no event of its own, is dated by the claim that took it.
    expect(history[1].event.data).toMatchObject({ robotId: 'robot-a', dispatchedAt: job.work.occurredAt });
  });

  it('absorbs a cancel request appended after the placement: the guarded first append reconciles', async () => {
    const job = await placedJob({});
    await nats.store.append(
      job.subject,
      [JobCancelRequested.create({ ...job.base, data: { reason: 'operator' } })],
      job.requestedAt,
    );

    // The claim decided to complete the job before it saw the request: that decision is dropped.
    expect(await runner.run(claim(job.work))).toBe('cancelled');
    const history = (await nats.store.read(job.subject, jobEvents)).events;
    expect(history.map((stored) => stored.event.type)).toEqual([
      'JobRequested',
      'JobCancelRequested',
      'JobStarted',
      'JobCancelled',
    ]);
    expect(history[2].sequence).toBe(history[3].sequence);
  });

  it('drops a first placement once the job was placed again since', async () => {
    const job = await placedJob({});
    await nats.store.append(job.subject, [dispatchedTo(job.base, 'robot-b')], job.requestedAt);

    expect(await runner.run(claim(job.work))).toBe('superseded');
    expect(await typesOf(job.subject)).toEqual(['JobRequested', 'JobDispatched']);
  });

  it('drops a first placement that another robot claimed first, on any delivery', async () => {
    // A dispatcher that died after placing the job places it again, elsewhere: two work messages.
    const job = await placedJob({});
    await nats.store.append(job.subject, [startedBy(job.base, 'robot-b')], job.requestedAt);

    expect(await runner.run(claim(job.work))).toBe('superseded');
    expect(await runner.run(claim(job.work, 2))).toBe('superseded');
    expect(await typesOf(job.subject)).toEqual(['JobRequested', 'JobStarted']);
  });

  it('drops a first placement whose job was cancelled before any robot claimed it', async () => {
    const job = await placedJob({});
    await nats.store.append(
      job.subject,
      [
        JobCancelRequested.create({ ...job.base, data: { reason: 'operator' } }),
        JobCancelled.create({ ...job.base, data: { completedSteps: 0 } }),
      ],
      job.requestedAt,
    );

    expect(await runner.run(claim(job.work))).toBe('superseded');
    expect(await typesOf(job.subject)).toEqual(['JobRequested', 'JobCancelRequested', 'JobCancelled']);
  });

  it('is fenced when a later placement loses the job between reading its log and appending', async () => {
    const job = await placedJob({});
    const read = nats.store.read.bind(nats.store);
    jest.spyOn(nats.store, 'read').mockImplementationOnce(async (subject, registry) => {
      const history = await read(subject, registry);
      await nats.store.append(subject, [dispatchedTo(job.base, 'robot-b')], history.lastSequence);
      return history;
    });

    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
    expect(await new JobRunner({ ...runnerDeps, logger }).run(claim(placedAgain(job.work)))).toBe('fenced');
    expect(await typesOf(job.subject)).toEqual(['JobRequested', 'JobDispatched']);
    expect(warnings.map((line) => JSON.parse(line).msg)).toEqual([
      "fenced: the job's log moved on (JobDispatched); abandoning this claim",
    ]);
  });

  it('records the claim at once, before waiting out a retry backoff', async () => {
    const job = await placedJob({});
    const failedAt = await nats.store.append(
      job.subject,
      [
        startedBy(job.base, 'robot-b'),
        StepStarted.create({
          ...job.base,
          data: { stepKey: 'set', nodeId: 'set', nodeType: 'data.set', robotId: 'robot-b', attempt: 1 },
        }),
        StepFailed.create({
          ...job.base,
          data: {
            stepKey: 'set',
            nodeId: 'set',
            error: { message: 'flaky', retryable: true },
            durationMs: 1,
          },
        }),
      ],
      job.requestedAt,
    );
    const retryingRunner = new JobRunner({
      ...runnerDeps,
      workflows: { get: async () => retrying.workflow } as unknown as WorkflowCatalog,
      handlers: new Map([
        ['data.set', { type: 'data.set', execute: async (params) => ({ values: params['values'] }) }],
      ]),
    });

    // Each commit's events as they leave: a claim held back for the step would share its commit.
    const commits: string[][] = [];
    const append = nats.store.append.bind(nats.store);
    jest.spyOn(nats.store, 'append').mockImplementation((subject, events, expected) => {
      commits.push(events.map((event) => event.type));
      return append(subject, events, expected);
    });
    expect(await retryingRunner.run(claim(placedAgain(job.work), 2))).toBe('completed');
    expect(commits).toEqual([['JobStarted'], ['StepStarted'], ['StepCompleted'], ['JobCompleted']]);
    const started = (await nats.store.read(job.subject, jobEvents)).events.find(
      ({ sequence }) => sequence > failedAt.lastSequence,
    );
    expect(started).toMatchObject({ event: { type: 'JobStarted', data: { robotId: 'robot-a' } } });
    expect((await typesOf(job.subject)).slice(-4)).toEqual([
      'JobStarted',
      'StepStarted',
      'StepCompleted',
      'JobCompleted',
    ]);
  });

  it('reads the log on a redelivery, where the work message is no longer the whole story', async () => {
    const job = await placedJob({});
    await nats.store.append(job.subject, [startedBy(job.base, 'robot-b')], job.requestedAt);
    const reads = jest.spyOn(nats.store, 'read');

    expect(await runner.run(claim(placedAgain(job.work), 2))).toBe('completed');

    expect(reads).toHaveBeenCalledWith(job.subject, expect.anything());
    expect(await typesOf(job.subject)).toEqual(['JobRequested', 'JobStarted', 'JobStarted', 'JobCompleted']);
  });

  it('two claims of one robot on one delivery count fence each other: neither takes the other’s commit for its own (ADR 103)', async () => {
    // A nats-server SIGKILLed before it wrote a delivery down sends the message again with the same
    // count, to the same robot, while the first claim still runs: both claims have one robot and
    // one delivery. nats-server answers a known message id as a duplicate before it checks the
    // expected sequence, so ids naming only those let the first claim's StepCompleted be
    // "acknowledged" as the second's StepStarted, and both went on (CI: starts, no outcome).
    const job = await placedJob({});
    const ran: string[] = [];
    const entered = new Map<string, () => void>();
    const release = new Map<string, () => void>();
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
    const claimRunner = (name: string, blocksIn: string) =>
      new JobRunner({
        ...runnerDeps,
        logger,
        workflows: { get: async () => threeSets.workflow } as unknown as WorkflowCatalog,
        handlers: new Map([
          [
            'data.set',
            {
              type: 'data.set',
              execute: async (params, context) => {
                const step = `${name}:${context.stepKey}`;
                ran.push(step);
                if (context.stepKey === blocksIn) {
                  entered.get(step)?.();
                  await new Promise<void>((resolve) => release.set(step, resolve));
                }
                return { values: params['values'] };
              },
            },
          ],
        ]),
      });
    const inside = (step: string) => new Promise<void>((resolve) => entered.set(step, resolve));

    const firstInside = inside('first:s1');
    const first = claimRunner('first', 's1').run(claim(placedAgain(job.work), 2));
    await firstInside;
    // The redelivery: the second claim reads the log, finds s1 started without an outcome and runs it again.
    const secondInside = inside('second:s1');
    const second = claimRunner('second', 's1').run(claim(placedAgain(job.work), 2));
    await secondInside;
    release.get('first:s1')?.();
    const firstOutcome = await first;
    release.get('second:s1')?.();
    const secondOutcome = await second;

    const history = (await nats.store.read(job.subject, jobEvents)).events.map(
      ({ event }) => `${event.type}${'stepKey' in event.data ? ` ${String(event.data.stepKey)}` : ''}`,
    );
    expect(history).toEqual([
      'JobRequested',
      'JobStarted',
      'StepStarted s1',
      'JobStarted',
      'StepStarted s1',
      'StepCompleted s1',
      'StepStarted s2',
      'StepCompleted s2',
      'StepStarted s3',
      'StepCompleted s3',
      'JobCompleted',
    ]);
    expect([firstOutcome, secondOutcome]).toEqual(['fenced', 'completed']);
    expect(ran).toEqual(['first:s1', 'second:s1', 'second:s2', 'second:s3']);
    // Not "another robot": the log shows the claim that took over is this robot's own (ADR 113).
    const fenced = warnings
      .map((line) => JSON.parse(line).msg as string)
      .filter((msg) => msg.startsWith('fenced:'));
    expect(fenced).toEqual([
      'fenced: another claim of this robot (delivery 2) took over this job; abandoning this claim',
    ]);
  });

  describe('classifying a failed step (ADR 29)', () => {
    const failingRunner = (handlers: JobRunnerDeps['handlers']) =>
      new JobRunner({
        ...runnerDeps,
        workflows: { get: async () => oneStep.workflow } as unknown as WorkflowCatalog,
        handlers,
      });
    const failures = async (subject: string) =>
      (await nats.store.read(subject, jobEvents)).events
        .map((stored) => stored.event)
        .filter((event) => event.type === 'StepFailed' || event.type === 'JobFailed')
        .map((event) => [event.type, (event.data as { error: unknown }).error]);

    it('records an unclassified error (a plain Error) as retryable: an application exception', async () => {
      const job = await placedJob({});
      const handlers = new Map([
        [
          'data.set',
          {
            type: 'data.set',
            execute: () => Promise.reject(new Error('socket hang up')),
          },
        ],
      ]);

      expect(await failingRunner(handlers).run(claim(job.work))).toBe('failed');
      const error = { message: 'socket hang up', retryable: true };
      expect(await failures(job.subject)).toEqual([
        ['StepFailed', error],
        ['JobFailed', error],
      ]);
    });

    it('records a node type this robot cannot run as deterministic: NO_HANDLER, not retryable', async () => {
      const job = await placedJob({});

      expect(await failingRunner(new Map()).run(claim(job.work))).toBe('failed');
      const error = {
        message: 'this robot has no handler for node type data.set',
        code: 'NO_HANDLER',
        retryable: false,
      };
      expect(await failures(job.subject)).toEqual([
        ['StepFailed', error],
        ['JobFailed', error],
      ]);
    });
  });

  describe('releasing the lease with the last commit (ADR 24)', () => {
    const retryingRunner = (deps: Partial<JobRunnerDeps> = {}) =>
      new JobRunner({
        ...runnerDeps,
        workflows: { get: async () => retrying.workflow } as unknown as WorkflowCatalog,
        handlers: new Map([
          ['data.set', { type: 'data.set', execute: async (params) => ({ values: params['values'] }) }],
        ]),
        ...deps,
      });
    /** Fails a job's appends whose events include `type`, `times` times, as a broken connection would. */
    const failAppends = (type: string, times: number) => {
      const append = nats.store.append.bind(nats.store);
      let failed = 0;
      return jest.spyOn(nats.store, 'append').mockImplementation((subject, events, expected) => {
        if (events.some((event) => event.type === type) && failed++ < times)
          return Promise.reject(new Error('CONNECTION_CLOSED'));
        return append(subject, events, expected);
      });
    };

    it('releases once, in the tick the commit that ends the claim leaves, before it is confirmed', async () => {
      const job = await placedJob({});
      const appends = jest.spyOn(nats.store, 'append');
      let finished = false;
      const releasedAt: string[][] = [];
      const run = retryingRunner().run({
        ...claim(job.work),
        release: () => {
          expect(finished).toBe(false);
          releasedAt.push((appends.mock.calls.at(-1)?.[1] ?? []).map((event) => event.type));
        },
      });
      expect(await run.finally(() => (finished = true))).toBe('completed');

      expect(appends.mock.calls.map(([, events]) => events.map((event) => event.type))).toEqual([
        ['JobStarted', 'StepStarted'],
        ['StepCompleted'],
        ['JobCompleted'],
      ]);
      expect(releasedAt).toEqual([['JobCompleted']]);
    });

    it('does not release a claim that ends by handing the job back', async () => {
      const job = await placedJob({});
      const release = jest.fn();
      const stopping = new AbortController();
      stopping.abort();

      expect(await runner.run({ ...claim(job.work), stopping: stopping.signal, release })).toBe('released');
      expect(release).not.toHaveBeenCalled();
    });

    it('retries a released last commit past the time a held claim gives up', async () => {
      let clock = Date.now();
      // Every reading of the clock is a minute later: any bounded retry gives up at its first failure.
      const now = () => (clock += 61_000);
      const job = await placedJob({});
      failAppends('JobCompleted', 2);

      expect(await retryingRunner({ now }).run({ ...claim(job.work), release: () => undefined })).toBe(
        'completed',
      );
      expect((await typesOf(job.subject)).at(-1)).toBe('JobCompleted');

      const held = await placedJob({});
      failAppends('StepStarted', 2);
      await expect(retryingRunner({ now }).run(claim(held.work))).rejects.toThrow('CONNECTION_CLOSED');
    });

    it('stops retrying a released last commit when the robot stops', async () => {
      const job = await placedJob({});
      failAppends('JobCompleted', Infinity);
      const abortStep = new AbortController();
      const run = retryingRunner().run({
        ...claim(job.work),
        abortStep: abortStep.signal,
        release: () => abortStep.abort(),
      });

      await expect(run).rejects.toThrow('CONNECTION_CLOSED');
      expect((await typesOf(job.subject)).at(-1)).toBe('StepCompleted');
    });
  });
});
