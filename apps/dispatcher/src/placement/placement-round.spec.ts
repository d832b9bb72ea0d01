import { JobRequested, JobStarted, type DispatchPolicy, type JobNeeds } from '@aether/contracts';
import { JobTracker } from '../jobs/job-tracker';
import { robot } from '../testing/fake-fleet';
import { incapableJobs, placementRound, type RoundContext } from './placement-round';

const NOW = Date.parse('2026-12-06T00:00:00.000Z');
const none = { browser: false, desktop: false };

/** One placement round over the robots with a free slot and the jobs waiting. */
describe('placementRound', () => {
  let tracker: JobTracker;
  const policies = new Map<string, DispatchPolicy>();

  beforeEach(() => {
    tracker = new JobTracker();
    policies.clear();
  });

  function request(jobId: string, options: { needs?: JobNeeds; priority?: number; at?: number } = {}) {
    return tracker.track(
      `aether.evt.default.job.${jobId}`,
      tracker.jobs.size + 1,
      JobRequested.create({
        tenantId: 'default',
        aggregateId: jobId,
        occurredAt: new Date(options.at ?? NOW),
        data: {
          workflowId: 'wf',
          workflowVersion: 1,
          variables: {},
          priority: options.priority ?? 10,
          trigger: { kind: 'api' },
          ...(options.needs === undefined ? { needs: none } : { needs: options.needs }),
        },
      }),
    );
  }

  function round(robots: RoundContext['robots'], extra: Partial<RoundContext> = {}) {
    return placementRound({
      tracker,
      robots,
      now: NOW,
      agingMs: 60_000,
      prefetch: 0,
      failingOver: new Set(),
      policy: (tenantId, workflowId) => policies.get(`${tenantId}.${workflowId}`),
      session: () => undefined,
      lastPlacedAt: new Map(),
      sessionsInFlight: new Map(),
      ...extra,
    });
  }
  const placed = (result: ReturnType<typeof round>) =>
    result.choices.map((choice) => `${choice.job.jobId}→${choice.robotId}`);

  it('given robots with free slots, then waiting jobs fill them by priority, each taking its slot at once', () => {
    request('low', { priority: 1 });
    request('high', { priority: 15 });
    request('mid', { priority: 10 });
    const result = round([robot('r1'), robot('r2')]);
    expect(placed(result)).toEqual(['high→r1', 'mid→r2']);
    expect(tracker.queue.size).toBe(1);
    expect(tracker.inFlight('r1') + tracker.inFlight('r2')).toBe(2);
  });

  it('given needs, then only a robot that meets them is chosen', () => {
    request('j1', { needs: { browser: true, desktop: false } });
    expect(placed(round([robot('plain'), robot('browser', { browser: true })]))).toEqual(['j1→browser']);
  });

  it('given a job whose needs are not known yet, then it waits', () => {
    const job = request('j1');
    job.needs = undefined;
    expect(placed(round([robot('r1')]))).toEqual([]);
  });

  it('given a robot offline, draining or failing over, or busy with its slots, then nothing goes to it', () => {
    request('j1');
    expect(
      placed(round([robot('off', { status: 'offline' }), robot('drain', { status: 'draining' })])),
    ).toEqual([]);
    expect(placed(round([robot('r1')], { failingOver: new Set(['r1']) }))).toEqual([]);
    const running = request('running');
    tracker.apply(
      running,
      9,
      JobStarted.create({
        tenantId: 'default',
        aggregateId: 'running',
        data: { robotId: 'r1', delivery: 1, resumedAfterSteps: 0 },
      }),
      0,
      NOW,
    );
    expect(placed(round([robot('r1')]))).toEqual([]);
  });

  it("given a workflow's concurrency limit, then no more of its jobs run at once", () => {
    policies.set('default.wf', { maxConcurrentJobs: 1 });
    request('a');
    request('b');
    expect(placed(round([robot('r1'), robot('r2')]))).toEqual(['a→r1']);
  });

  it('given a hard affinity, then only that robot; given a session affinity unbound, then a binding is chosen', () => {
    const pinned = request('pinned');
    Object.assign(pinned, { placement: { affinity: { kind: 'hard', robotId: 'r2' } } });
    const session = request('session');
    Object.assign(session, { placement: { affinity: { kind: 'session', key: 'batch-42' } } });
    const sessionsInFlight = new Map<string, string>();
    const result = round([robot('r1'), robot('r2')], { sessionsInFlight });
    expect(placed(result)).toEqual(['pinned→r2', 'session→r1']);
    expect(result.choices[1].binding).toEqual({ key: 'batch-42' });
    expect(sessionsInFlight.get('default.batch-42')).toBe('r1');
  });

  it('given jobs no registered robot could ever run, then they are found, and none once one could', () => {
    request('j1', { needs: { browser: false, desktop: true }, at: NOW - 10_000 });
    request('j2', { needs: { browser: false, desktop: true } });
    const context = {
      tracker,
      robots: [robot('r1', { status: 'offline' })],
      now: NOW,
      agingMs: 60_000,
      policy: () => undefined,
    };
    expect(incapableJobs(context).map(({ job }) => job.jobId)).toEqual(['j1', 'j2']);
    expect(
      incapableJobs({ ...context, robots: [robot('r2', { desktop: true, status: 'offline' })] }).map(
        ({ job }) => job.jobId,
      ),
    ).toEqual([]);
  });
});
