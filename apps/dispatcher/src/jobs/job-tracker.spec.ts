import {
  JobDispatched,
  JobFailed,
  JobReleased,
  JobRequested,
  JobRetryScheduled,
  JobStarted,
  JobCompleted,
  type JobEvent,
} from '@aether/contracts';
import { JobTracker } from './job-tracker';

const NOW = Date.parse('2026-12-06T00:00:00.000Z');
const base = { tenantId: 'default', aggregateId: 'j1', occurredAt: new Date(NOW) };
const requested = JobRequested.create({
  ...base,
  data: {
    workflowId: 'wf',
    workflowVersion: 1,
    variables: {},
    priority: 10,
    trigger: { kind: 'api' },
    needs: { browser: true, desktop: false },
  },
});
const started = (robotId: string) =>
  JobStarted.create({ ...base, data: { robotId, delivery: 1, resumedAfterSteps: 0 } });

/** A job's placement state, folded from its events in stream order. */
describe('JobTracker', () => {
  function tracked(...events: JobEvent[]) {
    const tracker = new JobTracker();
    const job = tracker.track('aether.evt.default.job.j1', 1, requested);
    events.forEach((event, i) => tracker.apply(job, i + 2, event, 0, NOW));
    return { tracker, job };
  }

  it('given a request, then the job waits in the queue with the needs it carries', () => {
    const { tracker, job } = tracked();
    expect(job).toMatchObject({ phase: 'pending', needs: { browser: true, desktop: false } });
    expect(tracker.queue.has('default/j1')).toBe(true);
  });

  it('given requests of each priority, then the queued ones are counted by band and the running one is not', () => {
    const tracker = new JobTracker();
    const request = (id: string, priority: number) =>
      tracker.track(
        `aether.evt.default.job.${id}`,
        1,
        JobRequested.create({ ...base, aggregateId: id, data: { ...requested.data, priority } }),
      );
    for (const [id, priority] of [
      ['a', 20],
      ['b', 14],
      ['c', 13],
      ['d', 7],
      ['e', 6],
      ['f', 0],
    ] as const)
      request(id, priority);
    tracker.apply(
      request('g', 20),
      2,
      JobStarted.create({ ...base, aggregateId: 'g', data: started('r1').data }),
      0,
      NOW,
    );
    expect(tracker.stats()).toMatchObject({
      queued: 6,
      queuedByBand: { high: 2, normal: 2, low: 2 },
      phases: { pending: 6, running: 1 },
    });
  });

  it('given a start, then the job runs on its robot, counts against its slots and leaves the queue', () => {
    const { tracker, job } = tracked(started('r1'));
    expect(job.phase).toBe('running');
    expect(tracker.inFlight('r1')).toBe(1);
    expect(tracker.runningOf('default', 'wf')).toBe(1);
    expect(tracker.queue.size).toBe(0);
  });

  it('given a placement again, then the job is on the robot its subject names', () => {
    const { tracker, job } = tracked(
      started('r1'),
      JobDispatched.create({ ...base, data: { subject: 'aether.work.default.robot.r2', attempt: 1 } }),
    );
    expect(job).toMatchObject({ phase: 'placed', robotId: 'r2' });
    expect(tracker.heldBy('r1')).toEqual([]);
  });

  it('given a release, then the job waits first in line, and not for the robot that released it', () => {
    const { tracker, job } = tracked(
      started('r1'),
      JobReleased.create({ ...base, data: { robotId: 'r1', reason: 'shutdown', completedSteps: 0 } }),
    );
    expect(job).toMatchObject({ phase: 'pending', avoid: 'r1' });
    expect([...tracker.queue.inOrder(NOW, 60_000)][0]).toBe(job);
  });

  it('given a failure, then it wants a decision; given its retry, then it waits until it is due', () => {
    const failed = JobFailed.create({ ...base, data: { error: { message: 'x', retryable: true } } });
    const { tracker, job } = tracked(started('r1'), failed);
    expect(tracker.attention.has(job)).toBe(true);
    const notBefore = new Date(NOW + 10_000).toISOString();
    tracker.apply(
      job,
      9,
      JobRetryScheduled.create({
        ...base,
        data: { attempt: 2, delayMs: 10_000, notBefore, error: failed.data.error },
      }),
      0,
      NOW,
    );
    expect(tracker.attention.has(job)).toBe(false);
    expect(tracker.nextRetryAt(NOW)).toBe(NOW + 10_000);
    tracker.releaseDueRetries(NOW + 9_999);
    expect(job.phase).toBe('waiting');
    tracker.releaseDueRetries(NOW + 10_000);
    expect(job).toMatchObject({ phase: 'pending', attempt: 2 });
  });

  it('given an event at or before the last one applied (a redelivery, our own decision), then nothing changes', () => {
    const { tracker, job } = tracked(started('r1'));
    expect(tracker.apply(job, 2, started('r2'), 0, NOW)).toBe('ignored');
    expect(job.robotId).toBe('r1');
  });

  it('given the end of the job, then it is forgotten', () => {
    const { tracker, job } = tracked(started('r1'));
    expect(
      tracker.apply(job, 3, JobCompleted.create({ ...base, data: { outputs: {}, robotId: 'r1' } }), 0, NOW),
    ).toBe('ended');
    expect(tracker.jobs.size).toBe(0);
    expect(tracker.inFlight('r1')).toBe(0);
  });

  it('adopts a reopened job from its history, after its last end', () => {
    const tracker = new JobTracker();
    const stored = (sequence: number, event: JobEvent) => ({ sequence, subject: 's', event });
    const job = tracker.adopt(
      's',
      [
        stored(1, requested),
        stored(2, started('r1')),
        stored(
          3,
          JobReleased.create({ ...base, data: { robotId: 'r1', reason: 'shutdown', completedSteps: 0 } }),
        ),
      ],
      [],
      NOW,
    );
    expect(job).toMatchObject({ phase: 'pending', lastSequence: 3, avoid: 'r1' });
  });
});
