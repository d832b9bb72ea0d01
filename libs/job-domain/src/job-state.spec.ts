import {
  JobCancelRequested,
  JobNeedsAttention,
  JobRequested,
  JobStarted,
  StepCompleted,
  StepFailed,
  StepResolved,
  StepStarted,
  type JobEvent,
} from '@aether/contracts';
import { evolveJob, evolveJobInPlace, foldJob, isTerminal, requestedJobState } from './job-state';

const id = { tenantId: 'default', aggregateId: 'j1' };
const requested = JobRequested.create({
  ...id,
  data: {
    workflowId: 'wf',
    workflowVersion: 2,
    variables: { a: 1 },
    priority: 10,
    trigger: { kind: 'manual' },
  },
});
const started = (key: string, attempt = 1) =>
  StepStarted.create({
    ...id,
    data: { stepKey: key, nodeId: key, nodeType: 'http.request', robotId: 'r', attempt },
  });
const completed = (key: string, output: unknown = { ok: true }) =>
  StepCompleted.create({
    ...id,
    data: { stepKey: key, nodeId: key, output: output as never, durationMs: 1 },
  });

const given = (...events: JobEvent[]) => ({
  then: (check: (s: ReturnType<typeof foldJob>) => void) => check(foldJob(events)),
});

describe('job state fold', () => {
  it('given only a request, then the state the claim of a first placement starts from is the fold (ADR 26)', () => {
    expect(requestedJobState({ workflowId: 'wf', workflowVersion: 2, variables: { a: 1 } })).toEqual(
      foldJob([requested]),
    );
  });

  it('given a request and completed steps, then outputs come from the log and the pin is kept', () =>
    given(
      requested,
      JobStarted.create({ ...id, data: { robotId: 'r', delivery: 1, resumedAfterSteps: 0 } }),
      started('a'),
      completed('a', { n: 1 }),
    ).then((s) => {
      expect(s).toMatchObject({ status: 'running', workflowId: 'wf', workflowVersion: 2, completedSteps: 1 });
      expect(s.steps.get('a')).toEqual({ status: 'completed', output: { n: 1 } });
    }));

  it('given a step started twice and failed, then the failure keeps the latest attempt', () =>
    given(
      requested,
      started('a', 1),
      started('a', 2),
      StepFailed.create({
        ...id,
        data: { stepKey: 'a', nodeId: 'a', durationMs: 1, error: { message: 'x', retryable: true } },
      }),
    ).then((s) => {
      expect(s.steps.get('a')).toEqual({
        status: 'failed',
        attempt: 2,
        error: { message: 'x', retryable: true },
      });
    }));

  it('given an ambiguous step cleared for retry, then the step is forgotten but its attempts are not', () =>
    given(
      requested,
      started('a', 1),
      JobNeedsAttention.create({ ...id, data: { stepKey: 'a', nodeId: 'a', reason: 'r', robotId: 'r' } }),
      StepResolved.create({ ...id, data: { stepKey: 'a', action: 'retry' } }),
    ).then((s) => {
      expect(s.status).toBe('pending');
      expect(s.steps.has('a')).toBe(false);
      expect(s.attempts.get('a')).toBe(1);
    }));

  it('given an ambiguous step skipped, then it counts as completed with a marker output', () =>
    given(
      requested,
      started('a', 1),
      StepResolved.create({ ...id, data: { stepKey: 'a', action: 'skip' } }),
    ).then((s) => {
      expect(s.steps.get('a')).toEqual({ status: 'completed', output: { skipped: true } });
    }));

  it('given a cancel request, then the job is flagged but not yet terminal', () =>
    given(requested, JobCancelRequested.create({ ...id, data: {} })).then((s) => {
      expect(s.cancelRequested).toBe(true);
      expect(isTerminal(s)).toBe(false);
    }));

  it('redelivering an event that is already folded changes nothing for completed steps', () => {
    const once = foldJob([requested, started('a'), completed('a')]);
    const again = evolveJob(once, completed('a'));
    expect(again.steps).toEqual(once.steps);
    expect(again.completedSteps).toBe(once.completedSteps);
  });

  it('folding a history in place gives what evolving it event by event gives, and evolving never changes its input', () => {
    const history = [
      requested,
      started('a'),
      completed('a', { n: 1 }),
      started('b'),
      StepFailed.create({
        ...id,
        data: { stepKey: 'b', nodeId: 'b', error: { message: 'x', retryable: true }, durationMs: 1 },
      }),
      started('b', 2),
      StepResolved.create({ ...id, data: { stepKey: 'b', action: 'retry' } }),
      started('b', 3),
      completed('b'),
    ];
    const states = [foldJob([])];
    const snapshots = [structuredClone(states[0])];
    for (const event of history) {
      states.push(evolveJob(states[states.length - 1], event));
      snapshots.push(structuredClone(states[states.length - 1]));
    }
    expect(foldJob(history)).toEqual(states[states.length - 1]);
    expect(states).toEqual(snapshots);

    let owned = foldJob([]);
    const maps = { steps: owned.steps, attempts: owned.attempts };
    for (const event of history) owned = evolveJobInPlace(owned, event);
    expect(owned).toEqual(states[states.length - 1]);
    expect(owned.steps).toBe(maps.steps);
    expect(owned.attempts).toBe(maps.attempts);
  });
});
