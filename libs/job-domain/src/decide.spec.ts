import { AT, given, meta } from './testing/given';
import { h } from './testing/history';
import { foldJob, isTerminal } from './job-state';
import { decide } from './decide';

/**
 * The job's rulebook: for every command, what it leads to from each kind of history, including
 * the cases the writers disagreed about before the decider (issue 25).
 */
const schedule = { delaysMs: [10_000, 60_000], jitter: 0 };
const running = [h.requested(), h.started()];

describe('RequestJob', () => {
  const request = {
    workflowId: 'wf',
    variables: { a: 1 },
    priority: 10,
    trigger: { kind: 'manual' as const },
    published: [
      { version: 1, needs: { browser: false, desktop: false } },
      { version: 2, needs: { browser: true, desktop: false } },
    ],
  };
  it("given no job, then it is requested pinned to the latest published version, carrying that version's needs", () =>
    given()
      .when({ type: 'RequestJob', data: request })
      .then({
        type: 'JobRequested',
        data: {
          workflowId: 'wf',
          workflowVersion: 2,
          variables: { a: 1 },
          priority: 10,
          trigger: { kind: 'manual' },
          needs: { browser: true, desktop: false },
        },
      }));
  it('given no job, when the version asked for was published, then it is pinned to it and its needs', () =>
    given()
      .when({ type: 'RequestJob', data: { ...request, workflowVersion: 1 } })
      .then(
        expect.objectContaining({
          type: 'JobRequested',
          data: expect.objectContaining({ workflowVersion: 1, needs: { browser: false, desktop: false } }),
        }),
      ));
  it('given no job, when the workflow does not exist or lacks the version, then the job is rejected (an event)', () => {
    given()
      .when({ type: 'RequestJob', data: { ...request, published: [] } })
      .then({ type: 'JobRejected', data: { workflowId: 'wf', reason: 'workflow wf does not exist' } });
    given()
      .when({ type: 'RequestJob', data: { ...request, workflowVersion: 3 } })
      .then({ type: 'JobRejected', data: { workflowId: 'wf', reason: 'workflow wf has no version 3' } });
  });
  it('given a requested job, then a second request is refused (a redelivered command starts one job)', () =>
    given(h.requested()).when({ type: 'RequestJob', data: request }).rejected('already_requested'));
  it('the first event gets the command id, the next ones numbered after it, all at the command time', () => {
    const decision = decide(
      { type: 'CancelJob', data: {}, meta: meta('cancel:j1:1') },
      foldJob([h.requested()]),
    );
    expect(decision.ok && decision.events.map((e) => [e.id, e.occurredAt])).toEqual([
      ['cancel:j1:1', AT.toISOString()],
      ['cancel:j1:1.1', AT.toISOString()],
    ]);
  });
});

describe('any command but RequestJob', () => {
  it('given no job, then it is refused as not found', () =>
    given().when({ type: 'CancelJob', data: {} }).rejected('not_found'));
});

describe('PlaceJob (the dispatcher places a job again)', () => {
  const place = { type: 'PlaceJob' as const, data: { subject: 'aether.work.default.robot.r2' } };
  it('given a pending job, then it is dispatched at its attempt', () =>
    given(h.requested(), h.started(), h.released())
      .when(place)
      .then({ type: 'JobDispatched', data: { subject: 'aether.work.default.robot.r2', attempt: 1 } }));
  it('given a running job whose robot went offline, then it is dispatched elsewhere (which fences the old robot)', () =>
    given(...running)
      .when(place)
      .then(expect.objectContaining({ type: 'JobDispatched' })));
  it('given a retry not yet due, then it is refused; once due, the retry is dispatched at its attempt', () => {
    given(h.requested(), h.failed(), h.retryScheduled(2, '2026-12-06T00:00:10.000Z'))
      .when(place)
      .rejected('retry_not_due');
    given(h.requested(), h.failed(), h.retryScheduled(2, '2026-12-05T23:59:59.000Z'))
      .when(place)
      .then({ type: 'JobDispatched', data: { subject: 'aether.work.default.robot.r2', attempt: 2 } });
  });
  it('given a job waiting for an operator, or a failure not settled yet, then it is refused', () => {
    given(...running, h.parked())
      .when(place)
      .rejected('waiting_for_operator');
    given(...running, h.failed())
      .when(place)
      .rejected('not_waiting_for_a_robot');
  });
  it('given a finished job, then it is refused', () =>
    given(...running, h.completed())
      .when(place)
      .rejected('finished'));
});

describe('RejectJob (no capable robot)', () => {
  const reject = {
    type: 'RejectJob' as const,
    data: { code: 'NoCapableRobot', reason: 'NoCapableRobot: none' },
  };
  it('given a job waiting for a robot, then it is rejected with the code', () =>
    given(h.requested())
      .when(reject)
      .then({
        type: 'JobRejected',
        data: { workflowId: 'wf', code: 'NoCapableRobot', reason: 'NoCapableRobot: none' },
      }));
  it('given a running job, then it is refused: a robot could run it', () =>
    given(...running)
      .when(reject)
      .rejected('not_waiting_for_a_robot'));
});

describe('ClaimJob', () => {
  const claim = (robotId = 'r1', delivery = 1) => ({
    type: 'ClaimJob' as const,
    data: { robotId, delivery },
  });
  it('given a requested job, then it is started, saying how many steps were done before', () =>
    given(h.requested(), h.started(), h.stepStarted(), h.stepCompleted(), h.released(), h.dispatched())
      .when(claim('r2'))
      .then({ type: 'JobStarted', data: { robotId: 'r2', delivery: 1, resumedAfterSteps: 1 } }));
  it('given a lease taken over (another robot was running it), then the new robot starts it', () =>
    given(...running)
      .when(claim('r2', 2))
      .then(expect.objectContaining({ type: 'JobStarted' })));
  it('given a job waiting for an operator, then no robot may run it', () =>
    given(...running, h.parked())
      .when(claim())
      .rejected('waiting_for_operator'));
  it('given a cancelled job, then the claim is refused as finished', () =>
    given(h.requested(), h.cancelRequested(), h.cancelled()).when(claim()).rejected('finished'));
  it('given a retry that is scheduled, then a stale message cannot start it', () =>
    given(h.requested(), h.failed(), h.retryScheduled()).when(claim()).rejected('not_waiting_for_a_robot'));
});

describe('StartStep, CompleteStep, FailStep', () => {
  const start = (minAttempt?: number) => ({
    type: 'StartStep' as const,
    data: {
      stepKey: 'a',
      nodeId: 'a',
      nodeType: 'http.request',
      robotId: 'r1',
      ...(minAttempt ? { minAttempt } : {}),
    },
  });
  it('given a running job, then a step starts at attempt 1', () =>
    given(...running)
      .when(start())
      .then({
        type: 'StepStarted',
        data: { stepKey: 'a', nodeId: 'a', nodeType: 'http.request', robotId: 'r1', attempt: 1 },
      }));
  it('given a step cleared for retry by an operator, then its next attempt counts the earlier ones', () =>
    given(...running, h.stepStarted('a', 1), h.parked(), h.resolved('retry'), h.started('r2'))
      .when(start())
      .then(expect.objectContaining({ data: expect.objectContaining({ attempt: 2 }) })));
  it("given the engine's own retry count, then the higher of it and the log's wins", () =>
    given(...running)
      .when(start(3))
      .then(expect.objectContaining({ data: expect.objectContaining({ attempt: 3 }) })));
  it('given a completed step, then it never starts again', () =>
    given(...running, h.stepStarted(), h.stepCompleted())
      .when(start())
      .rejected('step_completed'));
  it('given a job no robot runs, then no step starts', () =>
    given(h.requested()).when(start()).rejected('not_running'));
  it('given a started step, then it completes or fails', () => {
    given(...running, h.stepStarted())
      .when({ type: 'CompleteStep', data: { stepKey: 'a', nodeId: 'a', output: { n: 1 }, durationMs: 5 } })
      .then({ type: 'StepCompleted', data: { stepKey: 'a', nodeId: 'a', output: { n: 1 }, durationMs: 5 } });
    const error = { message: 'boom', code: 'HttpError', retryable: true };
    given(...running, h.stepStarted())
      .when({ type: 'FailStep', data: { stepKey: 'a', nodeId: 'a', error, durationMs: 5, artifacts: [] } })
      .then({ type: 'StepFailed', data: { stepKey: 'a', nodeId: 'a', error, durationMs: 5 } });
  });
  it('given a step that never started, then it has no outcome to record', () =>
    given(...running)
      .when({ type: 'CompleteStep', data: { stepKey: 'a', nodeId: 'a', output: null, durationMs: 1 } })
      .rejected('step_not_started'));
});

describe('CompleteJob, FailJob, ParkJob, ReleaseJob (the robot running it)', () => {
  it('given a running job, then it completes', () =>
    given(...running)
      .when({ type: 'CompleteJob', data: { outputs: { x: 1 }, robotId: 'r1' } })
      .then({ type: 'JobCompleted', data: { outputs: { x: 1 }, robotId: 'r1' } }));
  it('given a job not running, then it cannot complete', () =>
    given(h.requested())
      .when({ type: 'CompleteJob', data: { outputs: {}, robotId: 'r1' } })
      .rejected('not_running'));
  const error = { message: 'gave up', code: 'DeliveriesExhausted', retryable: false };
  it('given any open job, then it may fail (a message out of deliveries fails a job that never started)', () => {
    given(...running)
      .when({ type: 'FailJob', data: { error, robotId: 'r1' } })
      .then({ type: 'JobFailed', data: { error, robotId: 'r1' } });
    given(h.requested(), h.dispatched())
      .when({ type: 'FailJob', data: { error } })
      .then({ type: 'JobFailed', data: { error } });
  });
  it('given a failure already recorded, or a finished job, then it does not fail again', () => {
    given(...running, h.failed())
      .when({ type: 'FailJob', data: { error } })
      .rejected('already_failed');
    given(...running, h.completed())
      .when({ type: 'FailJob', data: { error } })
      .rejected('finished');
  });
  const deterministic = {
    message: '#submit matched 2 elements',
    code: 'AMBIGUOUS_SELECTOR',
    retryable: false,
  };
  const park = { stepKey: 'a', nodeId: 'a' };
  it('given a deterministic failure of a step whose policy is park, then the job waits for an operator', () =>
    given(...running, h.stepStarted(), h.stepFailed('a', deterministic))
      .when({ type: 'FailJob', data: { error: deterministic, robotId: 'r1', park } })
      .then({
        type: 'JobNeedsAttention',
        data: {
          ...park,
          reason: 'failed deterministically (AMBIGUOUS_SELECTOR): #submit matched 2 elements',
          robotId: 'r1',
        },
      }));
  it('given a retryable failure, then park is not honoured: the retry schedule handles it', () =>
    given(...running, h.stepStarted(), h.stepFailed())
      .when({
        type: 'FailJob',
        data: { error: { message: 'site down', retryable: true }, robotId: 'r1', park },
      })
      .then({
        type: 'JobFailed',
        data: { error: { message: 'site down', retryable: true }, robotId: 'r1' },
      }));
  it('given a parked deterministic failure, then retry-step runs the step again and skip-step passes it', () => {
    const parked = [...running, h.stepStarted(), h.stepFailed('a', deterministic), h.parked()];
    expect(given(...parked).state.status).toBe('needs_attention');
    given(...parked)
      .when({ type: 'RetryStep', data: {} })
      .then({ type: 'StepResolved', data: { stepKey: 'a', action: 'retry' } });
    expect(given(...parked, h.resolved('retry')).state.steps.has('a')).toBe(false);
  });
  it('given a running job, then an ambiguous step parks it for an operator', () =>
    given(...running, h.stepStarted())
      .when({ type: 'ParkJob', data: { stepKey: 'a', nodeId: 'a', reason: 'no outcome', robotId: 'r1' } })
      .then({
        type: 'JobNeedsAttention',
        data: { stepKey: 'a', nodeId: 'a', reason: 'no outcome', robotId: 'r1' },
      }));
  const heal = {
    stepKey: 'a',
    selectorKey: 'k',
    workflowId: 'wf',
    workflowVersion: 2,
    nodeId: 'a',
    selector: '#old',
    previousSelector: '#old',
    healedSelector: '#new',
    problem: 'not-found' as const,
    tier: 1 as const,
    confidence: 0.9,
    margin: 0.3,
    elapsedMs: 12,
    applied: true,
  };
  it('given a running job, then a healed selector is recorded on it; a job not running records none', () => {
    given(...running, h.stepStarted())
      .when({ type: 'RecordHeal', data: heal })
      .then({ type: 'SelectorHealed', data: heal });
    given(...running, h.completed())
      .when({ type: 'RecordHeal', data: heal })
      .rejected('finished');
  });
  it('given a running job, then a robot shutting down releases it with the steps done', () =>
    given(...running, h.stepStarted(), h.stepCompleted())
      .when({ type: 'ReleaseJob', data: { robotId: 'r1' } })
      .then({ type: 'JobReleased', data: { robotId: 'r1', reason: 'shutdown', completedSteps: 1 } }));
  it('given a job not running, then there is nothing to release', () =>
    given(h.requested())
      .when({ type: 'ReleaseJob', data: { robotId: 'r1' } })
      .rejected('not_running'));
});

describe('CancelJob', () => {
  const cancel = { type: 'CancelJob' as const, data: { reason: 'not needed' } };
  const atOnce = [
    { type: 'JobCancelRequested', data: { reason: 'not needed' } },
    { type: 'JobCancelled', data: { completedSteps: 0 } },
  ];
  it('given a job no robot holds, then it is cancelled at once', () => {
    given(h.requested())
      .when(cancel)
      .then(...atOnce);
    given(h.requested(), h.dispatched())
      .when(cancel)
      .then(...atOnce);
    given(...running, h.parked())
      .when(cancel)
      .then(...atOnce);
  });
  it('given a running job, then the cancel is requested and its robot stops it after the current step', () =>
    given(...running)
      .when(cancel)
      .then({ type: 'JobCancelRequested', data: { reason: 'not needed' } }));
  it('given a running job whose cancel was requested already, then nothing more is appended', () =>
    given(...running, h.cancelRequested())
      .when(cancel)
      .then());
  it('given a cancel request left unfinished by a robot that released the job, then it is finished now', () =>
    given(...running, h.cancelRequested(), h.released())
      .when({ type: 'CancelJob', data: {} })
      .then({ type: 'JobCancelled', data: { completedSteps: 0 } }));
  it('given a failed attempt whose retry is not decided yet, then it is cancelled (it was refused before issue 25)', () => {
    given(...running, h.failed())
      .when(cancel)
      .then(...atOnce);
    const after = foldJob([...running, h.failed(), h.cancelRequested(), h.cancelled()]);
    expect(after).toMatchObject({ status: 'cancelled', failureUnsettled: false });
  });
  it('given a retry that is scheduled, then it is cancelled at once', () =>
    given(...running, h.failed(), h.retryScheduled())
      .when(cancel)
      .then(...atOnce));
  it('given a finished job (completed, dead-lettered, cancelled), then it is refused', () => {
    given(...running, h.completed())
      .when(cancel)
      .rejected('finished');
    given(...running, h.failed(), h.deadLettered())
      .when(cancel)
      .rejected('finished');
    given(h.requested(), h.cancelRequested(), h.cancelled()).when(cancel).rejected('finished');
  });
  it('given a running job with a cancel request, then its robot stops it', () =>
    given(...running, h.stepStarted(), h.stepCompleted(), h.cancelRequested())
      .when({ type: 'StopCancelledJob', data: { robotId: 'r1' } })
      .then({ type: 'JobCancelled', data: { robotId: 'r1', completedSteps: 1 } }));
});

describe('RetryStep, SkipStep, FailParkedJob (an operator answers needs_attention)', () => {
  it('given a parked job, then retry-step and skip-step resolve the step it is parked at', () => {
    given(...running, h.stepStarted(), h.parked())
      .when({ type: 'RetryStep', data: { note: 'checked' } })
      .then({ type: 'StepResolved', data: { stepKey: 'a', action: 'retry', note: 'checked' } });
    given(...running, h.stepStarted(), h.parked())
      .when({ type: 'SkipStep', data: {} })
      .then({
        type: 'StepResolved',
        data: { stepKey: 'a', action: 'skip' },
      });
  });
  it('given a step started by one robot, the lease handed over and the new robot parking it, then skip resolves that step', () =>
    given(
      ...running,
      h.stepStarted('b', 1, 'r1'),
      h.dispatched(1, 'r2'),
      h.started('r2', 2),
      h.parked('b', 'r2'),
    )
      .when({ type: 'SkipStep', data: {} })
      .then({ type: 'StepResolved', data: { stepKey: 'b', action: 'skip' } }));
  it('given a parked step already resolved, then a second answer is refused', () =>
    given(...running, h.stepStarted(), h.parked(), h.resolved('skip'))
      .when({ type: 'RetryStep', data: {} })
      .rejected('not_waiting_for_operator'));
  it('given a parked job, then an operator may fail it for good', () =>
    given(...running, h.parked())
      .when({ type: 'FailParkedJob', data: { note: 'double booking' } })
      .then({
        type: 'JobFailed',
        data: {
          error: {
            message: 'failed by an operator: double booking',
            code: 'FailedByOperator',
            retryable: false,
          },
        },
      }));
  it('given a job that is not parked, then the operator commands are refused', () => {
    given(...running)
      .when({ type: 'FailParkedJob', data: {} })
      .rejected('not_waiting_for_operator');
    given(...running)
      .when({ type: 'SkipStep', data: {} })
      .rejected('not_waiting_for_operator');
  });
});

describe('SettleFailure (the dispatcher applies the retry policy)', () => {
  const settle = (random = 0.5) => ({ type: 'SettleFailure' as const, data: { schedule, random } });
  it('given a failed first attempt, then a retry is scheduled after the first delay', () =>
    given(...running, h.failed())
      .when(settle())
      .then({
        type: 'JobRetryScheduled',
        data: {
          attempt: 2,
          delayMs: 10_000,
          notBefore: new Date(AT.getTime() + 10_000).toISOString(),
          error: { message: 'site down', retryable: true },
        },
      }));
  it('given the schedule used up, then the job is dead-lettered with its attempts', () =>
    given(
      ...running,
      h.failed(),
      h.retryScheduled(2),
      h.dispatched(2),
      h.started(),
      h.failed(),
      h.retryScheduled(3),
      h.dispatched(3),
      h.started(),
      h.failed(),
    )
      .when(settle())
      .then({
        type: 'JobDeadLettered',
        data: { attempts: 3, error: { message: 'site down', retryable: true } },
      }));
  it('given an application exception (retryable: a timeout, the portal down), then the schedule is walked', () => {
    const timeout = { message: 'timed out', code: 'TIMEOUT', retryable: true };
    given(...running, h.failed(timeout))
      .when(settle())
      .then(
        expect.objectContaining({ type: 'JobRetryScheduled', data: expect.objectContaining({ attempt: 2 }) }),
      );
  });
  it('given a deterministic failure (a selector matching two elements), then it is dead-lettered at once', () => {
    const ambiguous = {
      message: 'Selector "form input" matched 2 elements; expected exactly one',
      code: 'AMBIGUOUS_SELECTOR',
      retryable: false,
    };
    given(...running, h.failed(ambiguous))
      .when(settle())
      .then({ type: 'JobDeadLettered', data: { attempts: 1, error: ambiguous } });
  });
  it('given a business exception, then it is never retried, even on a later attempt', () => {
    const business = { message: 'no stock for A1', code: 'NO_STOCK', retryable: false };
    given(...running, h.failed(), h.retryScheduled(2), h.dispatched(2), h.started(), h.failed(business))
      .when(settle())
      .then({ type: 'JobDeadLettered', data: { attempts: 2, error: business } });
  });
  it('given a failure an operator declared, then it is dead-lettered at once', () => {
    const error = { message: 'failed by an operator', code: 'FailedByOperator', retryable: false };
    given(...running, h.failed(error))
      .when(settle())
      .then({ type: 'JobDeadLettered', data: { attempts: 1, error } });
  });
  it('given a job that was cancelled before the policy settled it, then there is nothing to settle', () =>
    given(...running, h.failed(), h.cancelRequested(), h.cancelled())
      .when(settle())
      .rejected('finished'));
  it('given a job that has not failed, then there is nothing to settle', () =>
    given(...running)
      .when(settle())
      .rejected('no_failure_to_settle'));
});

describe('RequeueJob (an operator sends a dead letter back)', () => {
  it('given a dead-lettered job, then it is requeued at the next attempt with a fresh schedule', () => {
    given(...running, h.failed(), h.deadLettered(1))
      .when({ type: 'RequeueJob', data: { note: 'site fixed' } })
      .then({ type: 'JobRequeued', data: { attempt: 2, note: 'site fixed' } });
    const requeued = foldJob([...running, h.failed(), h.deadLettered(1), h.requeued(2)]);
    expect(requeued).toMatchObject({ status: 'pending', attempt: 2, firstAttempt: 2, deadLettered: false });
  });
  it('given a job requeued already, then a second requeue is refused', () =>
    given(...running, h.failed(), h.deadLettered(1), h.requeued(2))
      .when({ type: 'RequeueJob', data: {} })
      .rejected('not_dead_lettered'));
  it('given a job that was cancelled meanwhile (it failed, then was cancelled before being dead-lettered), then it is refused', () =>
    given(...running, h.failed(), h.cancelRequested(), h.cancelled())
      .when({ type: 'RequeueJob', data: {} })
      .rejected('not_dead_lettered'));
  it('given a failure not settled yet, then it is not a dead letter', () =>
    given(...running, h.failed())
      .when({ type: 'RequeueJob', data: {} })
      .rejected('not_dead_lettered'));
});

describe('the lifecycle: which status a history folds to, and whether it is final', () => {
  it.each([
    ['requested', [h.requested()], 'pending', false],
    ['placed again', [h.requested(), h.dispatched()], 'queued', false],
    ['claimed', running, 'running', false],
    ['released', [...running, h.released()], 'pending', false],
    ['parked', [...running, h.parked()], 'needs_attention', false],
    ['failed, retry not decided', [...running, h.failed()], 'failed', false],
    ['retry scheduled', [...running, h.failed(), h.retryScheduled()], 'retry_scheduled', false],
    ['dead-lettered', [...running, h.failed(), h.deadLettered()], 'failed', true],
    ['requeued', [...running, h.failed(), h.deadLettered(), h.requeued()], 'pending', false],
    ['completed', [...running, h.completed()], 'completed', true],
    ['rejected', [h.rejected()], 'rejected', true],
    ['cancelled', [h.requested(), h.cancelRequested(), h.cancelled()], 'cancelled', true],
  ] as const)('%s: %s', (_name, history, status, terminal) => {
    const state = foldJob(history);
    expect(state.status).toBe(status);
    expect(isTerminal(state)).toBe(terminal);
  });
});
