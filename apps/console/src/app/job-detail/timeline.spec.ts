import type { JobHistoryEvent } from '@aether/read-api';
import { buildStory, controlsFor, redacted } from './timeline';

let seq = 0;
const event = (
  type: string,
  data: Record<string, unknown>,
  status?: JobHistoryEvent['status'],
): JobHistoryEvent => ({
  sequence: ++seq,
  id: `e${seq}`,
  type,
  version: 1,
  tenantId: 'default',
  aggregateId: 'job-1',
  occurredAt: new Date(Date.UTC(2026, 11, 6, 10, 0, seq)).toISOString(),
  correlationId: 'job-1',
  data,
  ...(status ? { status } : {}),
});

const history = () => {
  seq = 0;
  return [
    event(
      'JobRequested',
      { workflowId: 'demo', workflowVersion: 3, priority: 12, variables: { customer: 'Ada', apiKey: 'x' } },
      'pending',
    ),
    event('JobStarted', { robotId: 'robot-1', delivery: 1, resumedAfterSteps: 0 }, 'running'),
    event('StepStarted', {
      stepKey: 'open',
      nodeId: 'open',
      nodeType: 'browser.goto',
      robotId: 'robot-1',
      attempt: 1,
    }),
    event('StepCompleted', { stepKey: 'open', nodeId: 'open', output: null, durationMs: 900 }),
    event('StepStarted', {
      stepKey: 'submit',
      nodeId: 'submit',
      nodeType: 'browser.click',
      robotId: 'robot-1',
      attempt: 1,
    }),
    event('JobStarted', { robotId: 'robot-2', delivery: 2, resumedAfterSteps: 1 }, 'running'),
    event('StepStarted', {
      stepKey: 'submit',
      nodeId: 'submit',
      nodeType: 'browser.click',
      robotId: 'robot-2',
      attempt: 2,
    }),
    event('SelectorHealed', {
      stepKey: 'submit',
      previousSelector: '#go',
      healedSelector: '#submit-order',
      confidence: 0.91,
      applied: true,
    }),
    event('StepCompleted', { stepKey: 'submit', nodeId: 'submit', output: { text: 'AE-7' }, durationMs: 40 }),
    event('JobCompleted', { robotId: 'robot-2', outputs: { confirmation: 'AE-7' } }, 'completed'),
  ];
};

describe("a job's story from its event log", () => {
  it('groups attempts under their step and names the lease hand-over', () => {
    const story = buildStory(history());
    expect(story).toMatchObject({
      status: 'completed',
      workflowId: 'demo',
      workflowVersion: 3,
      robotId: 'robot-2',
      outputs: { confirmation: 'AE-7' },
      lastSequence: 10,
    });
    expect(story.entries.map((e) => (e.kind === 'job' ? e.title : `step ${e.step.stepKey}`))).toEqual([
      'Requested',
      'Started on robot-1',
      'step open',
      'step submit',
      'Lease handed over: robot-1 → robot-2',
      'Completed',
    ]);
    const submit = story.entries.find((e) => e.kind === 'step' && e.step.stepKey === 'submit');
    expect(
      submit?.kind === 'step' && submit.step.attempts.map((a) => [a.attempt, a.robotId, a.outcome]),
    ).toEqual([
      [1, 'robot-1', 'running'],
      [2, 'robot-2', 'completed'],
    ]);
    expect(submit?.kind === 'step' && submit.step.heals).toEqual([
      expect.objectContaining({ previousSelector: '#go', healedSelector: '#submit-order', applied: true }),
    ]);
  });

  it('knows which controls the state allows', () => {
    const done = buildStory(history());
    expect(controlsFor(done)).toEqual({ cancel: false, resolve: false });
    const waiting = buildStory(
      history()
        .slice(0, 5)
        .concat(
          event(
            'JobNeedsAttention',
            { stepKey: 'submit', nodeId: 'submit', reason: 'ambiguous', robotId: 'robot-1' },
            'needs_attention',
          ),
        ),
    );
    expect(controlsFor(waiting)).toEqual({ cancel: true, resolve: true });
    expect(waiting.attention).toEqual({ stepKey: 'submit', reason: 'ambiguous' });
    const submit = waiting.entries.find((e) => e.kind === 'step' && e.step.stepKey === 'submit');
    expect(submit?.kind === 'step' && submit.step.attempts[0]?.outcome).toBe('ambiguous');
    const cancelling = buildStory(history().slice(0, 3).concat(event('JobCancelRequested', {})));
    expect(controlsFor(cancelling)).toEqual({ cancel: false, resolve: false });
  });

  it('counts in words that agree with the number, and keeps no outputs when the job declared none', () => {
    const failedOnce = history()
      .slice(0, 3)
      .concat(
        event('JobFailed', { error: { code: 'X', message: 'broke' } }, 'failed'),
        event('JobDeadLettered', { attempts: 1 }),
      );
    expect(buildStory(failedOnce).entries.at(-1)).toMatchObject({ detail: 'after 1 attempt' });
    const thrice = failedOnce.slice(0, -1).concat(event('JobDeadLettered', { attempts: 3 }));
    expect(buildStory(thrice).entries.at(-1)).toMatchObject({ detail: 'after 3 attempts' });
    const cancelled = history()
      .slice(0, 4)
      .concat(event('JobCancelled', { completedSteps: 1 }, 'cancelled'));
    expect(buildStory(cancelled).entries.at(-1)).toMatchObject({ detail: 'after 1 step' });

    const bare = history()
      .slice(0, -1)
      .concat(event('JobCompleted', { outputs: {} }, 'completed'));
    expect(buildStory(bare).outputs).toBeUndefined();
    expect(buildStory(history()).outputs).toEqual({ confirmation: 'AE-7' });
  });

  it('masks values under secret-sounding keys, however deep', () => {
    expect(redacted({ customer: 'Ada', apiKey: 'x', nested: [{ password: 'p', ok: 1 }] })).toEqual({
      customer: 'Ada',
      apiKey: '••••',
      nested: [{ password: '••••', ok: 1 }],
    });
  });
});
