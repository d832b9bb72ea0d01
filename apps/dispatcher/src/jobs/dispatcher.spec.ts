import {
  JobCancelRequested,
  JobCancelled,
  JobFailed,
  JobReleased,
  JobStarted,
  StepStarted,
  type ErrorInfo,
} from '@aether/contracts';
import pino from 'pino';
import { FakeFleet, robot, turns } from '../testing/fake-fleet';
import { Dispatcher } from './dispatcher';

/** The dispatcher through its ports: an in-memory event store, recorded work messages, a fake clock. */
describe('Dispatcher', () => {
  let fleet: FakeFleet;
  let dispatcher: Dispatcher;
  const settings = {
    retryDelaysMs: [10_000, 60_000],
    retryJitter: 0,
    agingMs: 60_000,
    noCapableRobotGraceMs: 5_000,
    stallGraceMs: 15_000,
    onDeadlineMissed: 'keep' as const,
    forecastEveryMs: 0,
    prefetch: 0,
  };
  const job = (jobId: string) => ({ tenantId: 'default', aggregateId: jobId });
  const feed = () => fleet.deliver(dispatcher);
  const browserJob = { browser: true, desktop: false };

  beforeEach(() => {
    fleet = new FakeFleet();
    dispatcher = new Dispatcher(fleet.ports, settings, pino({ level: 'silent' }));
  });
  afterEach(() => dispatcher.stop());

  /** A job requested, fed, and placed for the first time on `robots[0]`: its work message, no event. */
  async function placed(jobId: string) {
    const subject = await fleet.request(jobId, browserJob);
    await feed();
    dispatcher.markReady();
    await turns();
    return subject;
  }

  describe('placing a job', () => {
    it('places a new job on a robot that can run it, by its work message alone (ADR 26)', async () => {
      fleet.robots = [robot('no-browser'), robot('r1', { browser: true })];
      const subject = await placed('j1');

      expect(fleet.published).toEqual([
        {
          subject: 'aether.work.default.robot.r1',
          work: expect.objectContaining({
            id: 'run:j1:1:r1',
            data: expect.objectContaining({ attempt: 1, fresh: { sequence: 1, variables: { n: 1 } } }),
          }),
        },
      ]);
      expect(fleet.types(subject)).toEqual(['JobRequested']);
      expect(fleet.needsReads).toEqual([]);
    });

    it("carries the workflow's measured k × p99 stall limits per node, none when nothing is measured (ADR 65)", async () => {
      fleet.robots = [robot('r1', { browser: true, slots: 2 })];
      await placed('unmeasured');
      fleet.stallLimits = { wf: { open: 12_000 } };
      await placed('measured');

      const limits = fleet.published.map((p) => [p.work.aggregateId, p.work.data.stallLimitsMs]);
      expect(limits).toEqual([
        ['unmeasured', undefined],
        ['measured', { open: 12_000 }],
      ]);
    });

    it('reads the workflow for needs only for jobs requested before JobRequested carried them, once per version (ADR 30)', async () => {
      fleet.robots = [robot('r1', { slots: 2 })];
      await fleet.request('old-1');
      await fleet.request('old-2');
      await feed();
      dispatcher.markReady();
      await turns();

      expect(fleet.needsReads).toEqual(['default/wf@1']);
      expect(fleet.published.map((p) => p.work.aggregateId).sort()).toEqual(['old-1', 'old-2']);
    });

    it('tries a placement that failed again after a second, not in a loop while WORK has no leader', async () => {
      fleet.robots = [robot('r1', { browser: true })];
      let refused = 0;
      const publishWork = fleet.ports.publishWork;
      fleet.ports.publishWork = async () => {
        refused++;
        throw new Error('jetstream is not enabled: no responders');
      };
      await placed('j1');
      await turns(200);
      expect(refused).toBe(1);
      expect(fleet.published).toEqual([]);

      fleet.ports.publishWork = publishWork;
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await turns();
      expect(fleet.published.map((p) => p.work.aggregateId)).toEqual(['j1']);
    });

    it('rejects a job no registered robot can run once its grace has passed, through the decider', async () => {
      fleet.robots = [robot('r1')];
      const subject = await placed('j1');
      expect(fleet.published).toEqual([]);
      fleet.clock += settings.noCapableRobotGraceMs - 1;
      dispatcher.reconcile();
      await turns();
      expect(fleet.store.events(subject).map((event) => event.type)).toEqual(['JobRequested']);

      fleet.clock += 1;
      dispatcher.reconcile();
      await turns();

      expect(fleet.store.events(subject).at(-1)).toMatchObject({
        id: 'reject:j1:1',
        type: 'JobRejected',
        data: { code: 'NoCapableRobot', reason: expect.stringContaining('browsers=chromium') },
      });
    });
  });

  describe('failover', () => {
    it('places the job of a robot gone offline again elsewhere: JobDispatched through the decider, then its work', async () => {
      fleet.robots = [robot('r1', { browser: true })];
      const subject = await placed('j1');
      const startedAt = await fleet.appendAs(subject, [
        JobStarted.create({ ...job('j1'), data: { robotId: 'r1', delivery: 1, resumedAfterSteps: 0 } }),
      ]);
      await feed();
      fleet.robots = [robot('r1', { browser: true, status: 'offline' }), robot('r2', { browser: true })];

      dispatcher.robotGone('r1');
      await turns();

      expect(fleet.purged).toEqual(['r1']);
      expect(fleet.store.events(subject).at(-1)).toMatchObject({
        id: `dispatch:j1:${startedAt}`,
        type: 'JobDispatched',
        data: { subject: 'aether.work.default.robot.r2', attempt: 1 },
      });
      expect(fleet.published.at(-1)).toMatchObject({
        subject: 'aether.work.default.robot.r2',
        work: { id: `run:j1:${startedAt + 1}` },
      });
    });

    it('puts a job back in the queue when its robot was purged while it was being placed there', async () => {
      fleet.robots = [robot('r1', { browser: true }), robot('r2', { browser: true })];
      const subject = await placed('j1');
      await fleet.appendAs(subject, [
        JobStarted.create({ ...job('j1'), data: { robotId: 'r1', delivery: 1, resumedAfterSteps: 0 } }),
        JobReleased.create({ ...job('j1'), data: { robotId: 'r1', reason: 'shutdown', completedSteps: 0 } }),
      ]);
      let open = () => undefined as void;
      fleet.gate = new Promise<void>((resolve) => (open = resolve));
      await feed(); // released by r1: placed again, on r2; the append waits at the gate

      await turns();
      fleet.robots = [robot('r1', { browser: true }), robot('r2', { browser: true, status: 'offline' })];
      dispatcher.robotGone('r2'); // r2's queue is purged while the placement is in flight
      await turns();
      open();
      fleet.gate = undefined;
      await turns();

      expect(fleet.purged).toEqual(['r2']);
      expect(fleet.types(subject).filter((type) => type === 'JobDispatched')).toHaveLength(1);
      // The message it was given may have been purged: the job waits for a robot again.
      expect(dispatcher.stats().phases).toEqual({ pending: 1 });
    });
  });

  describe('settling a failed attempt (ADR 12, 29)', () => {
    async function failed(error: ErrorInfo) {
      fleet.robots = [robot('r1', { browser: true })];
      const subject = await placed('j1');
      await fleet.appendAs(subject, [
        JobStarted.create({ ...job('j1'), data: { robotId: 'r1', delivery: 1, resumedAfterSteps: 0 } }),
        JobFailed.create({ ...job('j1'), data: { error, robotId: 'r1' } }),
      ]);
      await feed();
      await turns();
      return subject;
    }

    it('schedules a retry of an application exception after the first delay', async () => {
      const subject = await failed({ message: 'timed out', code: 'TIMEOUT', retryable: true });
      expect(fleet.store.events(subject).at(-1)).toMatchObject({
        type: 'JobRetryScheduled',
        data: { attempt: 2, delayMs: 10_000 },
      });
    });

    it('dead-letters a deterministic failure at once', async () => {
      const ambiguous = { message: 'matched 2 elements', code: 'AMBIGUOUS_SELECTOR', retryable: false };
      const subject = await failed(ambiguous);
      expect(fleet.store.events(subject).at(-1)).toMatchObject({
        type: 'JobDeadLettered',
        data: { attempts: 1, error: ambiguous },
      });
      expect(dispatcher.stats().open).toBe(0);
    });

    it('decides on the log, not on a stale view: a job cancelled meanwhile is not retried', async () => {
      fleet.robots = [robot('r1', { browser: true })];
      const subject = await placed('j1');
      await fleet.appendAs(subject, [
        JobStarted.create({ ...job('j1'), data: { robotId: 'r1', delivery: 1, resumedAfterSteps: 0 } }),
        JobFailed.create({ ...job('j1'), data: { error: { message: 'down', retryable: true } } }),
      ]);
      await feed();
      // Before the dispatcher's next round: an operator cancels; the feed has not brought it yet.
      await fleet.appendAs(subject, [
        JobCancelRequested.create({ ...job('j1'), data: {} }),
        JobCancelled.create({ ...job('j1'), data: { completedSteps: 0 } }),
      ]);
      await turns();

      expect(fleet.types(subject).slice(-2)).toEqual(['JobCancelRequested', 'JobCancelled']);
      await feed();
      await turns();
      expect(dispatcher.stats().open).toBe(0);
    });
  });

  describe('a robot that heartbeats but whose watchdog did not act (ADR 61)', () => {
    const reporting = (startedAt: number, idempotent: boolean) => ({
      ...robot('r1', { browser: true }),
      vitals: {
        cpuPercent: 1,
        loadAverage: 0,
        rssMb: 100,
        freeMemoryMb: 1000,
        resources: {},
        jobs: [
          {
            jobId: 'j1',
            completedSteps: 0,
            step: {
              key: 'open',
              nodeType: 'browser.goto',
              startedAt: new Date(startedAt).toISOString(),
              limitMs: 3_000,
              idempotent,
            },
          },
        ],
      },
    });
    async function stuck(idempotent: boolean) {
      fleet.robots = [robot('r1', { browser: true })];
      const subject = await placed('j1');
      await fleet.appendAs(subject, [
        JobStarted.create({ ...job('j1'), data: { robotId: 'r1', delivery: 1, resumedAfterSteps: 0 } }),
        StepStarted.create({
          ...job('j1'),
          data: { stepKey: 'open', nodeId: 'open', nodeType: 'browser.goto', robotId: 'r1', attempt: 1 },
        }),
      ]);
      await feed();
      const startedAt = fleet.clock;
      fleet.robots = [reporting(startedAt, idempotent)];
      fleet.clock = startedAt + 3_000 + settings.stallGraceMs;
      dispatcher.reconcile();
      await turns();
      expect(fleet.types(subject).slice(-1)).toEqual(['StepStarted']); // within its grace: the robot acts
      fleet.clock += 1;
      dispatcher.reconcile();
      await turns();
      return subject;
    }

    it('declares an idempotent step stalled for it and fails the attempt, which is retried', async () => {
      const subject = await stuck(true);
      expect(fleet.types(subject).slice(3)).toEqual([
        'StepStalled',
        'StepFailed',
        'JobFailed',
        'JobRetryScheduled',
      ]);
      expect(fleet.store.events(subject).find((e) => e.type === 'StepStalled')?.data).toMatchObject({
        detectedBy: 'service',
        outcome: 'retry',
        elapsedMs: 3_000 + settings.stallGraceMs + 1,
      });
    });

    it('parks the job when the step is not idempotent', async () => {
      const subject = await stuck(false);
      expect(fleet.types(subject).slice(3)).toEqual(['StepStalled', 'JobNeedsAttention']);
    });
  });

  describe('deadlines (ADR 66)', () => {
    const S = 1_000;
    it('flags the jobs of a backlog too large for the robots as at risk, from the measured duration, once', async () => {
      fleet.robots = [robot('r1', { browser: true })];
      fleet.durations = { wf: 10 * S };
      const subjects: string[] = [];
      for (const [i, deadlineS] of [15, 25, 35].entries())
        subjects.push(await fleet.request(`j${i}`, browserJob, 1, { deadline: fleet.clock + deadlineS * S }));
      await feed();
      dispatcher.markReady();
      await turns();
      // j0 took the only slot (free in 10 s): j1 would finish at 20 s (in time), j2 at 30 s (in time)…
      expect(subjects.map((subject) => fleet.types(subject).includes('JobAtRisk'))).toEqual([
        false,
        false,
        false,
      ]);
      // …until the workflow is measured slower: 15 s each puts j1 at 30 s and j2 at 45 s, past theirs.
      fleet.durations = { wf: 15 * S };
      fleet.clock += 1;
      dispatcher.reconcile();
      await turns();
      expect(subjects.map((subject) => fleet.types(subject).includes('JobAtRisk'))).toEqual([
        false,
        true,
        true,
      ]);
      expect(fleet.store.events(subjects[2] as string).at(-1)).toMatchObject({
        type: 'JobAtRisk',
        data: { durationMs: 15 * S },
      });
      await feed();
      fleet.clock += 1;
      dispatcher.reconcile();
      await turns();
      expect(fleet.types(subjects[2] as string).filter((type) => type === 'JobAtRisk')).toHaveLength(1);
    });

    it('records a missed deadline and applies its consequence: the default, or the one the job asked for', async () => {
      fleet.robots = [];
      const kept = await fleet.request('kept', browserJob, 1, { deadline: fleet.clock + S });
      const failed = await fleet.request('failed', browserJob, 1, {
        deadline: fleet.clock + S,
        onDeadlineMissed: 'fail',
      });
      await feed();
      dispatcher.markReady();
      await turns();
      expect(fleet.types(kept)).toEqual(['JobRequested']);

      fleet.clock += S + 1;
      dispatcher.reconcile();
      await turns();
      await feed();
      await turns();
      expect(fleet.types(kept)).toEqual(['JobRequested', 'JobDeadlineMissed']);
      expect(fleet.types(failed)).toEqual([
        'JobRequested',
        'JobDeadlineMissed',
        'JobFailed',
        'JobDeadLettered',
      ]);
      expect(fleet.store.events(failed).at(1)?.data).toMatchObject({ consequence: 'fail' });
      // Recorded once.
      dispatcher.reconcile();
      await turns();
      expect(fleet.types(kept)).toEqual(['JobRequested', 'JobDeadlineMissed']);
    });
  });

  it('finishes a cancel request left unfinished for a job no robot holds', async () => {
    fleet.robots = [];
    const subject = await fleet.request('j1', browserJob);
    await fleet.appendAs(subject, [JobCancelRequested.create({ ...job('j1'), data: { reason: 'no' } })]);
    await feed();
    dispatcher.markReady();
    await turns();

    expect(fleet.types(subject)).toEqual(['JobRequested', 'JobCancelRequested', 'JobCancelled']);
    expect(fleet.store.events(subject).at(-1)?.id).toBe('cancel:j1:2');
  });
});
