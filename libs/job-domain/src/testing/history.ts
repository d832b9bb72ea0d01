import {
  JobCancelled,
  JobCancelRequested,
  JobCompleted,
  JobDeadLettered,
  JobDispatched,
  JobFailed,
  JobNeedsAttention,
  JobRejected,
  JobReleased,
  JobRequested,
  JobRequeued,
  JobRetryScheduled,
  JobStarted,
  StepCompleted,
  StepFailed,
  StepResolved,
  StepStarted,
  type ErrorInfo,
} from '@aether/contracts';

/** Short builders for a job `j1`'s history, one per event, for the decider's specs. */
const id = { tenantId: 'default', aggregateId: 'j1' };
const at = new Date('2026-12-05T23:00:00.000Z');
const base = { ...id, occurredAt: at };
const siteDown: ErrorInfo = { message: 'site down', retryable: true };

export const h = {
  requested: () =>
    JobRequested.create({
      ...base,
      data: {
        workflowId: 'wf',
        workflowVersion: 2,
        variables: { a: 1 },
        priority: 10,
        trigger: { kind: 'manual' },
      },
    }),
  rejected: () => JobRejected.create({ ...base, data: { workflowId: 'wf', reason: 'no' } }),
  dispatched: (attempt = 1, robot = 'r1') =>
    JobDispatched.create({ ...base, data: { subject: `aether.work.default.robot.${robot}`, attempt } }),
  started: (robotId = 'r1', delivery = 1) =>
    JobStarted.create({ ...base, data: { robotId, delivery, resumedAfterSteps: 0 } }),
  stepStarted: (key = 'a', attempt = 1, robotId = 'r1') =>
    StepStarted.create({
      ...base,
      data: { stepKey: key, nodeId: key, nodeType: 'http.request', robotId, attempt },
    }),
  stepCompleted: (key = 'a') =>
    StepCompleted.create({
      ...base,
      data: { stepKey: key, nodeId: key, output: { ok: true }, durationMs: 1 },
    }),
  stepFailed: (key = 'a', error: ErrorInfo = siteDown) =>
    StepFailed.create({ ...base, data: { stepKey: key, nodeId: key, error, durationMs: 1 } }),
  completed: () => JobCompleted.create({ ...base, data: { outputs: {}, robotId: 'r1' } }),
  failed: (error: ErrorInfo = siteDown) => JobFailed.create({ ...base, data: { error, robotId: 'r1' } }),
  parked: (key = 'a', robotId = 'r1') =>
    JobNeedsAttention.create({ ...base, data: { stepKey: key, nodeId: key, reason: 'ambiguous', robotId } }),
  resolved: (action: 'retry' | 'skip', key = 'a') =>
    StepResolved.create({ ...base, data: { stepKey: key, action } }),
  released: (robotId = 'r1') =>
    JobReleased.create({ ...base, data: { robotId, reason: 'shutdown', completedSteps: 0 } }),
  cancelRequested: () => JobCancelRequested.create({ ...base, data: {} }),
  cancelled: () => JobCancelled.create({ ...base, data: { completedSteps: 0 } }),
  retryScheduled: (attempt = 2, notBefore = '2026-12-05T23:00:10.000Z') =>
    JobRetryScheduled.create({ ...base, data: { attempt, notBefore, delayMs: 10_000, error: siteDown } }),
  deadLettered: (attempts = 6) => JobDeadLettered.create({ ...base, data: { attempts, error: siteDown } }),
  requeued: (attempt = 7) => JobRequeued.create({ ...base, data: { attempt } }),
};
