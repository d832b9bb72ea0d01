import { JobRequested } from '@aether/contracts';
import { given, meta } from './testing/given';
import { h } from './testing/history';

/** Stalled steps (ADR 61) and deadlines (ADR 66): what the decider makes of them. */
const running = [h.requested(), h.started()];
const stall = {
  stepKey: 'a',
  nodeId: 'a',
  nodeType: 'browser.navigate',
  robotId: 'r1',
  elapsedMs: 3000,
  limitMs: 3000,
  basis: 'timeout' as const,
  detectedBy: 'robot' as const,
  idempotent: true,
};
const screenshot = [{ kind: 'screenshot', ref: 'obj://artifacts/default/j1/a/stalled.png' }];

describe('StallStep', () => {
  const reason = 'stalled: ran 3000 ms, past its timeout of 3000 ms';
  const error = { message: reason, code: 'StepStalled', retryable: true };
  it('given an idempotent step stalled on its robot, then it is recorded with its screenshot and fails retryably', () =>
    given(...running, h.stepStarted())
      .when({ type: 'StallStep', data: { ...stall, artifacts: screenshot } })
      .then(
        {
          type: 'StepStalled',
          data: {
            stepKey: 'a',
            nodeId: 'a',
            nodeType: 'browser.navigate',
            robotId: 'r1',
            elapsedMs: 3000,
            limitMs: 3000,
            basis: 'timeout',
            detectedBy: 'robot',
            outcome: 'retry',
            artifacts: screenshot,
          },
        },
        { type: 'StepFailed', data: { stepKey: 'a', nodeId: 'a', error, durationMs: 3000 } },
      ));
  it('given a step that is not idempotent, then the job waits for an operator', () =>
    given(...running, h.stepStarted())
      .when({ type: 'StallStep', data: { ...stall, idempotent: false } })
      .then(
        expect.objectContaining({ type: 'StepStalled', data: expect.objectContaining({ outcome: 'park' }) }),
        { type: 'JobNeedsAttention', data: { stepKey: 'a', nodeId: 'a', robotId: 'r1', reason } },
      ));
  it('given a robot too stuck to act (a service noticed), then the attempt fails too, for the retry policy', () =>
    given(...running, h.stepStarted())
      .when({ type: 'StallStep', data: { ...stall, detectedBy: 'service', basis: 'p99', limitMs: 2000 } })
      .then(
        expect.objectContaining({ type: 'StepStalled' }),
        expect.objectContaining({ type: 'StepFailed' }),
        {
          type: 'JobFailed',
          data: {
            error: { ...error, message: 'stalled: ran 3000 ms, past k × its p99 of 2000 ms' },
            robotId: 'r1',
          },
        },
      ));
  it("given a handler whose wait on the step's own time ran out a margin before the limit, then a stall that says so (ADR 82)", () =>
    given(...running, h.stepStarted())
      .when({ type: 'StallStep', data: { ...stall, elapsedMs: 2_740 } })
      .then(
        expect.objectContaining({ type: 'StepStalled', data: expect.objectContaining({ elapsedMs: 2_740 }) }),
        {
          type: 'StepFailed',
          data: {
            stepKey: 'a',
            nodeId: 'a',
            error: {
              ...error,
              message:
                "stalled: its wait on the step's time ran out after 2740 ms (its timeout of 3000 ms, less a margin)",
            },
            durationMs: 2_740,
          },
        },
      ));
  it('given the step already finished, or the job not running, then it is refused', () => {
    given(...running, h.stepStarted(), h.stepCompleted())
      .when({ type: 'StallStep', data: stall })
      .rejected('step_not_started');
    given(...running, h.stepStarted(), h.parked())
      .when({ type: 'StallStep', data: stall })
      .rejected('not_running');
  });
  it('given a stall recorded, then redelivering it changes nothing the state says but the step outcome', () => {
    const decided = given(...running, h.stepStarted()).when({ type: 'StallStep', data: stall }).decision;
    if (!decided.ok) throw new Error('refused');
    const after = given(...running, h.stepStarted(), ...decided.events).state;
    expect(after.steps.get('a')).toEqual({ status: 'failed', error, attempt: 1 });
    given(...running, h.stepStarted(), ...decided.events)
      .when({ type: 'StallStep', data: stall })
      .rejected('step_not_started');
  });
});

const deadline = '2026-12-05T23:30:00.000Z';
const withDeadline = (onDeadlineMissed?: 'keep' | 'fail' | 'dead-letter') => {
  const requested = h.requested();
  return JobRequested.create({
    tenantId: requested.tenantId,
    aggregateId: requested.aggregateId,
    occurredAt: new Date(requested.occurredAt),
    data: { ...requested.data, deadline, ...(onDeadlineMissed ? { onDeadlineMissed } : {}) },
  });
};

describe('FlagAtRisk', () => {
  const at = { predictedFinish: Date.parse(deadline) + 60_000, durationMs: 90_000 };
  it('given a deadline the forecast passes, then JobAtRisk, once', () => {
    given(withDeadline())
      .when({ type: 'FlagAtRisk', data: at })
      .then({
        type: 'JobAtRisk',
        data: { deadline, predictedFinish: '2026-12-05T23:31:00.000Z', durationMs: 90_000 },
      });
    const decided = given(withDeadline()).when({ type: 'FlagAtRisk', data: at }).decision;
    if (!decided.ok) throw new Error('refused');
    given(withDeadline(), ...decided.events)
      .when({ type: 'FlagAtRisk', data: at })
      .then();
  });
  it('given a forecast within the deadline, then nothing; given no deadline, then refused', () => {
    given(withDeadline())
      .when({ type: 'FlagAtRisk', data: { ...at, predictedFinish: Date.parse(deadline) } })
      .then();
    given(h.requested()).when({ type: 'FlagAtRisk', data: at }).rejected('no_deadline');
  });
});

describe('MissDeadline', () => {
  const missedError = { message: `deadline ${deadline} missed`, code: 'DeadlineMissed', retryable: false };
  const miss = (consequence: 'keep' | 'fail' | 'dead-letter' = 'keep') => ({
    type: 'MissDeadline' as const,
    data: { consequence },
  });
  it('given the deadline not passed yet, then refused', () =>
    given(withDeadline())
      .when({ ...miss(), meta: meta('m', new Date(Date.parse(deadline) - 1)) })
      .rejected('deadline_not_passed'));
  it('given keep, then the miss is recorded and the job goes on; recorded once', () => {
    given(withDeadline(), ...running.slice(1))
      .when(miss('keep'))
      .then({ type: 'JobDeadlineMissed', data: { deadline, consequence: 'keep' } });
    const decided = given(withDeadline()).when(miss('keep')).decision;
    if (!decided.ok) throw new Error('refused');
    given(withDeadline(), ...decided.events)
      .when(miss('keep'))
      .then();
  });
  it("given fail (the job's own choice over the default), then the job fails, not retryably", () =>
    given(withDeadline('fail'), h.started())
      .when(miss('keep'))
      .then(
        { type: 'JobDeadlineMissed', data: { deadline, consequence: 'fail' } },
        { type: 'JobFailed', data: { error: missedError, robotId: 'r1' } },
      ));
  it('given dead-letter, then the job is dead-lettered at once', () =>
    given(withDeadline())
      .when(miss('dead-letter'))
      .then(
        { type: 'JobDeadlineMissed', data: { deadline, consequence: 'dead-letter' } },
        { type: 'JobDeadLettered', data: { attempts: 1, error: missedError } },
      ));
  it('given a finished job, then refused', () =>
    given(withDeadline(), h.started(), h.completed()).when(miss('fail')).rejected('finished'));
});
