import { JobCompleted, JobRequested, RobotWentOffline, StepFailed } from '@aether/contracts';
import { decide, evolveJob, initialJobState, type JobCommand } from '@aether/job-domain';
import { framesFor, jobUpdate, statusAfter } from './live-updates';

const job = { tenantId: 'default', aggregateId: 'job-1' };
const requested = JobRequested.create({
  ...job,
  data: {
    workflowId: 'wf',
    workflowVersion: 2,
    variables: { card: '4111' },
    priority: 15,
    trigger: { kind: 'manual' },
  },
});
const all = { channels: new Set(['jobs', 'robots', 'queue'] as const) };

describe('live updates from events', () => {
  it('turns a job event into a row change without its variables or outputs', () => {
    expect(jobUpdate(7, requested)).toEqual({
      seq: 7,
      type: 'JobRequested',
      occurredAt: requested.occurredAt,
      jobId: 'job-1',
      status: 'pending',
      workflowId: 'wf',
      workflowVersion: 2,
      priority: 15,
    });
    const done = JobCompleted.create({
      ...job,
      data: { outputs: { confirmation: 'AE-1' }, robotId: 'robot-1' },
    });
    expect(JSON.stringify(jobUpdate(8, done))).not.toContain('AE-1');
    const failed = StepFailed.create({
      ...job,
      data: {
        stepKey: 'a',
        nodeId: 'a',
        durationMs: 12,
        error: { message: 'boom', code: 'Timeout', retryable: true },
      },
    });
    expect(jobUpdate(9, failed)).toMatchObject({
      stepKey: 'a',
      durationMs: 12,
      error: { message: 'boom', code: 'Timeout' },
    });
    expect(jobUpdate(9, failed).status).toBeUndefined();
  });

  it("speaks the decider's vocabulary: after each event of a life, the status the decider folds to", () => {
    const at = new Date('2026-12-06T00:00:00Z');
    const life: Omit<JobCommand, 'meta'>[] = [
      {
        type: 'RequestJob',
        data: {
          workflowId: 'wf',
          variables: {},
          priority: 10,
          trigger: { kind: 'manual' },
          published: [{ version: 1, needs: { browser: false, desktop: false } }],
        },
      },
      { type: 'PlaceJob', data: { subject: 'aether.work.default.robot.r1' } },
      { type: 'ClaimJob', data: { robotId: 'r1', delivery: 1 } },
      { type: 'ReleaseJob', data: { robotId: 'r1' } },
      { type: 'PlaceJob', data: { subject: 'aether.work.default.robot.r2' } },
      { type: 'ClaimJob', data: { robotId: 'r2', delivery: 1 } },
      { type: 'ParkJob', data: { stepKey: 'a', nodeId: 'a', reason: 'no outcome', robotId: 'r2' } },
      { type: 'SkipStep', data: {} },
      { type: 'PlaceJob', data: { subject: 'aether.work.default.robot.r1' } },
      { type: 'ClaimJob', data: { robotId: 'r1', delivery: 1 } },
      { type: 'FailJob', data: { error: { message: 'boom', retryable: false }, robotId: 'r1' } },
      { type: 'SettleFailure', data: { schedule: { delaysMs: [], jitter: 0 }, random: 0 } },
      { type: 'RequeueJob', data: {} },
      { type: 'CancelJob', data: {} },
    ];
    let state = initialJobState;
    const seen: [string, string | undefined, string][] = [];
    let shown: string | undefined;
    for (const [i, ask] of life.entries()) {
      const meta = { tenantId: 'default', jobId: 'job-1', id: `c${i}`, at };
      const decision = decide({ ...ask, meta } as JobCommand, state);
      if (!decision.ok) throw new Error(decision.rejection.reason);
      for (const event of decision.events) {
        state = evolveJob(state, event);
        shown = statusAfter(event) ?? shown;
        seen.push([event.type, shown, state.status]);
      }
    }
    expect(seen.map(([type]) => type)).toContain('StepResolved');
    for (const [type, live, decider] of seen)
      expect({ type, status: live }).toEqual({ type, status: decider });
  });

  it('sends each subscription only the channels it asked for', () => {
    expect(framesFor(1, requested, all).map((f) => f.event)).toEqual(['job', 'queue']);
    expect(framesFor(1, requested, { channels: new Set(['robots'] as const) })).toEqual([]);
    const step = StepFailed.create({
      ...job,
      data: { stepKey: 'a', nodeId: 'a', durationMs: 1, error: { message: 'x', retryable: false } },
    });
    expect(framesFor(2, step, all).map((f) => f.event)).toEqual(['job']); // no status change, no queue frame
    expect(framesFor(2, step, { channels: new Set(), jobId: 'job-2' })).toEqual([]);
    expect(framesFor(2, step, { channels: new Set(), jobId: 'job-1' }).map((f) => f.event)).toEqual(['job']);
  });

  it("reports robots' presence on the robots channel", () => {
    const robot = { tenantId: 'default', aggregateId: 'robot-1' };
    const offline = RobotWentOffline.create({
      ...robot,
      data: { sessionId: 's', reason: 'missed-heartbeats', lastSeenAt: new Date().toISOString(), jobs: [] },
    });
    expect(framesFor(3, offline, all)).toEqual([
      {
        event: 'robot',
        data: {
          seq: 3,
          type: 'RobotWentOffline',
          occurredAt: offline.occurredAt,
          robotId: 'robot-1',
          online: false,
          reason: 'missed-heartbeats',
        },
      },
    ]);
    expect(framesFor(4, offline, { channels: new Set(['jobs'] as const) })).toEqual([]);
    expect(framesFor(4, offline, { channels: new Set(), jobId: 'robot-1' })).toEqual([]);
  });
});
