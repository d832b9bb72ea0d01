import {
  JOB_EVENTS,
  JobStarted,
  MessageRegistry,
  RunJob,
  subjects,
  type JobEvent,
  type WorkMessage,
} from '@aether/contracts';
import { CommandHandler } from '@aether/event-store';
import { InMemoryEventStore } from '@aether/event-store/test-support';
import { jobDecider, type JobCommand } from '@aether/job-domain';
import { ElementNotFoundError, LAST_WORD_MS, StepTimeoutError, type NodeHandler } from '@aether/nodes';
import { createLogger } from '@aether/service-kit';
import pino from 'pino';
import { parseWorkflow, type Workflow } from '@aether/workflow';
import type { ClaimCommand } from './claim-log';
import { JobRunner, type Claim, type JobRunnerDeps } from './job-runner';

/** A click (not idempotent: its effect cannot be known after a crash), then a value set. */
const workflowDocument = {
  id: 'order',
  nodes: [
    { id: 'submit', type: 'browser.click', params: { selector: '#submit', healing: 'heal' }, next: 'note' },
    { id: 'note', type: 'data.set', params: { values: { done: true } } },
  ],
};
const parsed = parseWorkflow(workflowDocument);
if (!parsed.ok) throw new Error('test workflow is invalid');
const workflow: Workflow = parsed.workflow;

const TENANT = 'default';
const AT = new Date('2026-12-06T06:00:00.000Z');
const heal = {
  stepKey: 'submit',
  selectorKey: 'k',
  workflowId: 'order',
  workflowVersion: 1,
  nodeId: 'submit',
  selector: '#submit',
  previousSelector: '#submit',
  healedSelector: '#send',
  problem: 'not-found' as const,
  tier: 1 as const,
  confidence: 0.9,
  margin: 0.4,
  elapsedMs: 3,
  applied: true,
};

const parking = parseWorkflow({ ...workflowDocument, defaults: { onDeterministicFailure: 'park' } });
if (!parking.ok) throw new Error('parking workflow is invalid');
const ambiguous = Object.assign(new Error('#submit matched 2 elements'), {
  code: 'AMBIGUOUS_SELECTOR',
  retryable: false,
});

describe('JobRunner through its ports (every job event decided by the job decider)', () => {
  let store: InMemoryEventStore;
  let clicks: number;
  let jobs = 0;

  const handlers = (click: NodeHandler['execute']): Map<string, NodeHandler> =>
    new Map<string, NodeHandler>([
      ['browser.click', { type: 'browser.click', execute: click }],
      ['data.set', { type: 'data.set', execute: async (params) => ({ values: params['values'] }) }],
    ]);
  const runner = (overrides: Partial<JobRunnerDeps> = {}) =>
    new JobRunner({
      store,
      workflows: { get: async () => workflow },
      handlers: handlers(async () => (clicks++, {})),
      openBrowser: () => ({ page: () => Promise.reject(new Error('no page')), close: async () => undefined }),
      storeArtifact: () => Promise.reject(new Error('no artifacts')),
      secret: () => undefined,
      robotId: 'robot-a',
      logger: createLogger('job-runner-spec', 'silent'),
      now: () => AT.getTime(),
      claimNonce: () => 'n0',
      ...overrides,
    });

  /** Another writer's command on the job (the scheduler, the dispatcher, an operator, another robot). */
  const write = (jobId: string, command: ClaimCommand) =>
    new CommandHandler(store, new MessageRegistry<JobEvent>(JOB_EVENTS), jobDecider).handle(
      subjects.event(TENANT, 'job', jobId),
      (sequence) =>
        ({
          ...command,
          meta: { tenantId: TENANT, jobId, id: `${jobId}:test:${sequence}`, at: AT },
        }) as JobCommand,
    );

  /** A job requested and, unless `fresh`, already placed again on robot-a (its message carries no history). */
  async function requested(...history: ClaimCommand[]) {
    const jobId = `job-${++jobs}`;
    const subject = subjects.event(TENANT, 'job', jobId);
    const request = await write(jobId, {
      type: 'RequestJob',
      data: {
        workflowId: 'order',
        variables: {},
        priority: 10,
        trigger: { kind: 'api' },
        published: [{ version: 1, needs: { browser: true, desktop: false } }],
      },
    });
    for (const command of history) await write(jobId, command);
    const work: WorkMessage = RunJob.create({
      tenantId: TENANT,
      aggregateId: jobId,
      data: {
        workflowId: 'order',
        workflowVersion: 1,
        priority: 10,
        attempt: 1,
        ...(history.length === 0 ? { fresh: { sequence: request.lastSequence, variables: {} } } : {}),
      },
    });
    const types = () => store.events(subject).map((event) => event.type);
    return { jobId, subject, work, types };
  }
  /** An operator's retry-step on a parked job, and the job placed again on robot-a: its work message without the fresh history. */
  async function retryStep(job: { jobId: string; work: WorkMessage }) {
    await write(job.jobId, { type: 'RetryStep', data: {} });
    await write(job.jobId, placedOnA);
    const { fresh: _first, ...placedAgain } = job.work.data;
    return placedAgain;
  }
  const claim = (work: WorkMessage, delivery = 1): Claim => ({
    work,
    delivery,
    stopping: new AbortController().signal,
    abortStep: new AbortController().signal,
    cancelled: new AbortController().signal,
  });
  const placedOnA = { type: 'PlaceJob', data: { subject: subjects.robotWork(TENANT, 'robot-a') } } as const;
  const claimedBy = (robotId: string) => ({ type: 'ClaimJob', data: { robotId, delivery: 1 } }) as const;

  beforeEach(() => {
    store = new InMemoryEventStore();
    clicks = 0;
  });

  it('commits the claim with its first step, then each outcome, ids naming the claim and the position', async () => {
    const job = await requested();
    const commits: string[][] = [];
    const append = store.append.bind(store);
    jest.spyOn(store, 'append').mockImplementation((subject, events, expected) => {
      commits.push(events.map((event) => `${event.type} ${event.id}`));
      return append(subject, events, expected);
    });

    expect(await runner().run(claim(job.work))).toBe('completed');

    const at = (sequence: number) => `${job.jobId}:robot-a.1.n0:${sequence}`;
    expect(commits).toEqual([
      [`JobStarted ${at(1)}`, `StepStarted ${at(1)}.1`],
      [`StepCompleted ${at(2)}`],
      [`StepStarted ${at(3)}`],
      [`StepCompleted ${at(4)}`],
      [`JobCompleted ${at(5)}`],
    ]);
    expect(clicks).toBe(1);
  });

  it('leaves a job the decider will not let a robot run (a retry scheduled) without appending', async () => {
    const failed = { error: { message: 'portal down', retryable: true }, robotId: 'robot-b' };
    const job = await requested(
      claimedBy('robot-b'),
      { type: 'FailJob', data: failed },
      { type: 'SettleFailure', data: { schedule: { delaysMs: [10_000], jitter: 0 }, random: 0.5 } },
    );
    const before = job.types();

    expect(await runner().run(claim(job.work, 2))).toBe('already-finished');
    expect(job.types()).toEqual(before);
  });

  it("accepts its own commit that landed when the append's answer was lost (reconciled against the log)", async () => {
    const job = await requested();
    const append = store.append.bind(store);
    let lost = 0;
    jest.spyOn(store, 'append').mockImplementation(async (subject, events, expected) => {
      const result = await append(subject, events, expected);
      if (events[0]?.type === 'StepCompleted' && lost++ === 0) throw new Error('TIMEOUT');
      return result;
    });

    expect(await runner().run(claim(job.work))).toBe('completed');
    expect(job.types()).toEqual([
      'JobRequested',
      'JobStarted',
      'StepStarted',
      'StepCompleted',
      'StepStarted',
      'StepCompleted',
      'JobCompleted',
    ]);
  });

  it('is fenced by a placement that lands before its next commit, and appends nothing more', async () => {
    const job = await requested(placedOnA);
    store.beforeAppend = async () => {
      store.beforeAppend = undefined;
      await write(job.jobId, { type: 'PlaceJob', data: { subject: subjects.robotWork(TENANT, 'robot-b') } });
    };

    expect(await runner().run(claim(job.work, 2))).toBe('fenced');
    expect(job.types()).toEqual(['JobRequested', 'JobDispatched', 'JobDispatched']);
    expect(clicks).toBe(0);
  });

  it("names the robot whose claim fenced it, from that claim's commit id (ADR 113)", async () => {
    const job = await requested(placedOnA);
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
    store.beforeAppend = async (subject) => {
      store.beforeAppend = undefined;
      const last = await store.lastSequence(subject);
      const started = JobStarted.create({
        tenantId: TENANT,
        aggregateId: job.jobId,
        data: { robotId: 'robot-b', delivery: 3, resumedAfterSteps: 0 },
      });
      await store.append(subject, [{ ...started, id: `${job.jobId}:robot-b.3.0a1b2c3d:${last}` }], last);
    };

    expect(await runner({ logger }).run(claim(job.work, 2))).toBe('fenced');
    expect(warnings.map((line) => JSON.parse(line).msg)).toEqual([
      'fenced: robot robot-b took over this job; abandoning this claim',
    ]);
  });

  it('absorbs a cancel request that lands before its first commit: the claim stops the job instead', async () => {
    const job = await requested(claimedBy('robot-a'));
    store.beforeAppend = async () => {
      store.beforeAppend = undefined;
      await write(job.jobId, { type: 'CancelJob', data: { reason: 'not needed' } });
    };

    expect(await runner().run(claim(job.work, 2))).toBe('cancelled');
    expect(job.types()).toEqual([
      'JobRequested',
      'JobStarted',
      'JobCancelRequested',
      'JobStarted',
      'JobCancelled',
    ]);
    expect(clicks).toBe(0);
  });

  it('records a healed selector on the job through the claim, between the step start and its outcome', async () => {
    const job = await requested();
    const healing: JobRunnerDeps['healing'] = {
      hooksFor: (scope) => ({
        heal: async () => (await scope.recordHeal(heal), { status: 'healed', selector: heal.healedSelector }),
      }),
    };
    const click: NodeHandler['execute'] = async (_params, context) => {
      await context.heal?.({
        selector: '#submit',
        problem: 'not-found',
        matchCount: 0,
        policy: 'heal',
      } as never);
      return {};
    };

    expect(await runner({ healing, handlers: handlers(click) }).run(claim(job.work))).toBe('completed');
    const events = store.events(job.subject);
    expect(events.slice(1, 5).map((event) => event.type)).toEqual([
      'JobStarted',
      'StepStarted',
      'SelectorHealed',
      'StepCompleted',
    ]);
    expect(events[3]).toMatchObject({ data: heal, id: `${job.jobId}:robot-a.1.n0:2` });
  });

  describe('a non-idempotent step interrupted by a crash (automatic retry of ambiguous steps off)', () => {
    /** robot-b started the click and died; the dispatcher placed the job on robot-a. */
    const crashed = () =>
      requested(
        claimedBy('robot-b'),
        {
          type: 'StartStep',
          data: { stepKey: 'submit', nodeId: 'submit', nodeType: 'browser.click', robotId: 'robot-b' },
        },
        placedOnA,
      );

    it('parks the job for an operator without running the step again; skip-step lets it finish', async () => {
      const job = await crashed();
      expect(await runner().run(claim(job.work))).toBe('parked');
      expect(job.types().at(-2)).toBe('JobStarted');
      expect(job.types().at(-1)).toBe('JobNeedsAttention');

      expect((await write(job.jobId, { type: 'SkipStep', data: { note: 'the order went in' } })).kind).toBe(
        'accepted',
      );
      await write(job.jobId, placedOnA);
      expect(await runner().run(claim(job.work))).toBe('completed');
      expect(clicks).toBe(0);
      expect(job.types().slice(-4)).toEqual(['JobStarted', 'StepStarted', 'StepCompleted', 'JobCompleted']);
    });

    it('parks the job; fail ends it for good and a late message for it is acked without running', async () => {
      const job = await crashed();
      expect(await runner().run(claim(job.work))).toBe('parked');
      expect((await write(job.jobId, { type: 'FailParkedJob', data: {} })).kind).toBe('accepted');
      const failed = job.types();

      expect(await runner().run(claim(job.work, 2))).toBe('already-finished');
      expect(job.types()).toEqual(failed);
      expect(failed.at(-1)).toBe('JobFailed');
      expect(clicks).toBe(0);
    });
  });

  it("parks a deterministic failure by the workflow's policy; retry-step runs the step again (ADR 60)", async () => {
    const job = await requested();
    const click = jest.fn<ReturnType<NodeHandler['execute']>, []>().mockRejectedValueOnce(ambiguous);
    click.mockResolvedValue({});
    const parkingRunner = runner({
      workflows: { get: async () => parking.workflow },
      handlers: handlers(click),
    });

    expect(await parkingRunner.run(claim(job.work))).toBe('parked');
    expect(store.events(job.subject).at(-1)).toMatchObject({
      type: 'JobNeedsAttention',
      data: {
        stepKey: 'submit',
        reason: 'failed deterministically (AMBIGUOUS_SELECTOR): #submit matched 2 elements',
      },
    });
    const placedAgain = await retryStep(job);
    expect(await parkingRunner.run(claim({ ...job.work, data: placedAgain }))).toBe('completed');
    expect(click).toHaveBeenCalledTimes(2);
  });

  it("names each failed attempt's artifacts apart: a retry's capture replaces none of the first's", async () => {
    const job = await requested();
    const captureFailure = jest.fn(async (_page: unknown, name: string) => [
      { kind: 'screenshot', ref: `obj://artifacts/${name}.png` },
    ]);
    const failing = runner({
      workflows: { get: async () => parking.workflow },
      handlers: handlers(() => Promise.reject(ambiguous)),
      openBrowser: () => ({ page: async () => ({}) as never, close: async () => undefined }),
      captureFailure: captureFailure as unknown as JobRunnerDeps['captureFailure'],
    });

    expect(await failing.run(claim(job.work))).toBe('parked');
    const placedAgain = await retryStep(job);
    expect(await failing.run(claim({ ...job.work, data: placedAgain }))).toBe('parked');

    expect(captureFailure.mock.calls.map(([, name]) => name)).toEqual([
      `${TENANT}/${job.jobId}/submit/attempt-1/failure`,
      `${TENANT}/${job.jobId}/submit/attempt-2/failure`,
    ]);
    const failed = store.events(job.subject).filter((event) => event.type === 'StepFailed');
    expect(failed.map((event) => (event.data as { artifacts?: unknown }).artifacts)).toEqual([
      [{ kind: 'screenshot', ref: `obj://artifacts/${TENANT}/${job.jobId}/submit/attempt-1/failure.png` }],
      [{ kind: 'screenshot', ref: `obj://artifacts/${TENANT}/${job.jobId}/submit/attempt-2/failure.png` }],
    ]);
  });

  it("names a node's artifacts per attempt: a retried screenshot replaces none of the first's", async () => {
    const job = await requested();
    const storeArtifact = jest.fn(async (_kind: string, name: string) => `obj://artifacts/${name}`);
    const screenshotThenFail: NodeHandler['execute'] = async (_params, context) => {
      await context.storeArtifact('screenshot', 'screenshot.png', new Uint8Array([1]));
      throw ambiguous;
    };
    const failing = runner({
      workflows: { get: async () => parking.workflow },
      handlers: handlers(screenshotThenFail),
      storeArtifact,
    });

    expect(await failing.run(claim(job.work))).toBe('parked');
    const placedAgain = await retryStep(job);
    expect(await failing.run(claim({ ...job.work, data: placedAgain }))).toBe('parked');

    expect(storeArtifact.mock.calls.map(([, name]) => name)).toEqual([
      `${TENANT}/${job.jobId}/submit/attempt-1/screenshot.png`,
      `${TENANT}/${job.jobId}/submit/attempt-2/screenshot.png`,
    ]);
  });

  describe("a step's ending follows its cause, whether the handler answers just before or just after the limit (ADR 82)", () => {
    const LIMIT_MS = 200;
    const timed = parseWorkflow({
      ...workflowDocument,
      nodes: workflowDocument.nodes.map((node) =>
        node.id === 'submit' ? { ...node, timeoutMs: LIMIT_MS } : node,
      ),
    });
    if (!timed.ok) throw new Error('timed workflow is invalid');
    /** The job's events as the decider made them, without the ids that name the job. */
    const outcome = async (answerAtMs: number, answer: () => Promise<never>) => {
      const job = await requested();
      const click = () =>
        new Promise<never>((resolve, reject) => setTimeout(() => answer().then(resolve, reject), answerAtMs));
      const result = await runner({
        workflows: { get: async () => timed.workflow },
        handlers: handlers(click),
      }).run(claim(job.work));
      // When the work message was made is the only thing two such jobs may differ in.
      const events = store
        .events(job.subject)
        .map(({ type, data }) => ({ type, data: { ...(data as object), dispatchedAt: undefined } }));
      return { result, events };
    };
    const missing = () => Promise.reject(new ElementNotFoundError('#submit', 0));
    const neverLoaded = () => Promise.reject(new StepTimeoutError('Loading http://portal/ timed out'));

    it('a finding (no such element) fails the step with it, either side of the limit', async () => {
      const before = await outcome(LIMIT_MS - 60, missing);
      const after = await outcome(LIMIT_MS + 60, missing);
      expect(after).toEqual(before);
      expect(before.events.find((event) => event.type === 'StepFailed')?.data).toMatchObject({
        error: { code: 'ELEMENT_NOT_FOUND' },
      });
      expect(before.events.map((event) => event.type)).not.toContain('StepStalled');
    });

    it("the step's own time running out (a page that never loaded) stalls it, either side of the limit", async () => {
      const before = await outcome(LIMIT_MS - 60, neverLoaded);
      const after = await outcome(LIMIT_MS + 60, neverLoaded);
      expect(after).toEqual(before);
      // The click is not idempotent: the stall parks the job.
      expect(before.result).toBe('parked');
      expect(before.events.slice(-2).map((event) => event.type)).toEqual([
        'StepStalled',
        'JobNeedsAttention',
      ]);
    });

    it('a handler that never answers is stalled once the limit and its last word have passed', async () => {
      const job = await requested();
      const started = Date.now();
      const silent = () => new Promise<never>(() => undefined);
      expect(
        await runner({ workflows: { get: async () => timed.workflow }, handlers: handlers(silent) }).run(
          claim(job.work),
        ),
      ).toBe('parked');
      expect(Date.now() - started).toBeGreaterThanOrEqual(LIMIT_MS + LAST_WORD_MS);
      expect(store.events(job.subject).find((event) => event.type === 'StepStalled')?.data).toMatchObject({
        limitMs: LIMIT_MS,
        basis: 'timeout',
        detectedBy: 'robot',
        outcome: 'park',
      });
    });
  });

  it('fails a job whose message ran out of deliveries once, naming the position; never a finished job', async () => {
    const job = await requested(claimedBy('robot-b'));
    await runner().failForGood(job.work, 'gave up after 5 deliveries');
    await runner().failForGood(job.work, 'gave up after 5 deliveries');

    const events = store.events(job.subject);
    expect(events.map((event) => event.type)).toEqual(['JobRequested', 'JobStarted', 'JobFailed']);
    expect(events[2]).toMatchObject({
      id: `${job.jobId}:deliveries-exhausted:2`,
      data: { error: { code: 'DeliveriesExhausted', retryable: false }, robotId: 'robot-a' },
    });
  });
});
