import { JobCompleted, JobRequested, RobotWentOffline, StepFailed } from '@aether/contracts';
import { framesFor, jobUpdate } from './live-updates';

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
