import {
  QueueItemAdded,
  QueueItemCompleted,
  QueueItemFailed,
  QueueItemReleased,
  QueueItemStarted,
  type QueueItemEvent,
} from '@aether/contracts';
import { decideQueueItem, foldQueueItem, type QueueItemCommand, type QueueItemFact } from './queue-item';
import { compareForTake } from './take-order';

const id = { tenantId: 'default', aggregateId: 'item-1' };
const added = (maxRetries = 2) =>
  QueueItemAdded.create({
    ...id,
    data: {
      queue: 'orders',
      reference: 'PO-1',
      payload: { amount: 5 },
      priority: 10,
      maxRetries,
      addedBy: { kind: 'api' },
    },
  });
const started = (jobId: string, attempt: number, stepKey = 'next') =>
  QueueItemStarted.create({ ...id, data: { jobId, stepKey, robotId: 'r1', attempt } });
const failed = (jobId: string, exception: 'business' | 'application', retried: boolean) =>
  QueueItemFailed.create({ ...id, data: { jobId, exception, message: 'boom', retried } });

/** given(events).when(command) → the facts decided, or the rejection's code. */
function given(events: QueueItemEvent[]) {
  return {
    when(command: QueueItemCommand): QueueItemFact[] | string {
      try {
        return decideQueueItem(foldQueueItem(events), command);
      } catch (error) {
        return (error as { code: string }).code;
      }
    },
  };
}

const take = (jobId: string, stepKey = 'next'): QueueItemCommand => ({
  type: 'StartItem',
  jobId,
  stepKey,
  robotId: 'r1',
});
const fail = (jobId: string, exception: 'business' | 'application'): QueueItemCommand => ({
  type: 'FailItem',
  jobId,
  exception,
  message: 'boom',
});

describe('a queue item', () => {
  it('is added once: a duplicate reference is refused', () => {
    const add: QueueItemCommand = {
      type: 'AddItem',
      queue: 'orders',
      reference: 'PO-1',
      payload: {},
      priority: 10,
      maxRetries: 3,
      addedBy: { kind: 'api' },
    };
    expect(given([]).when(add)).toEqual([
      { type: 'QueueItemAdded', data: expect.objectContaining({ reference: 'PO-1', maxRetries: 3 }) },
    ]);
    expect(given([added()]).when(add)).toBe('DuplicateReference');
  });

  it('added by a job step that runs again (after a crash) is not refused; by another job it is', () => {
    const add = (jobId: string): QueueItemCommand => ({
      type: 'AddItem',
      queue: 'orders',
      reference: 'PO-1',
      payload: {},
      priority: 10,
      maxRetries: 3,
      addedBy: { kind: 'workflow', jobId },
    });
    const byJob = QueueItemAdded.create({
      ...id,
      data: {
        queue: 'orders',
        reference: 'PO-1',
        payload: {},
        priority: 10,
        maxRetries: 3,
        addedBy: { kind: 'workflow', jobId: 'j1' },
      },
    });
    expect(given([byJob]).when(add('j1'))).toEqual([]);
    expect(given([byJob]).when(add('j2'))).toBe('DuplicateReference');
    expect(given([added()]).when(add('j1'))).toBe('DuplicateReference');
  });

  it('is taken by one job; the same step asking again gets it without a new event', () => {
    expect(given([added()]).when(take('j1'))).toEqual([
      { type: 'QueueItemStarted', data: { jobId: 'j1', stepKey: 'next', robotId: 'r1', attempt: 1 } },
    ]);
    expect(given([added(), started('j1', 1)]).when(take('j1'))).toEqual([]);
    expect(given([added(), started('j1', 1)]).when(take('j2'))).toBe('NotAvailable');
    expect(given([added(), started('j1', 1)]).when(take('j1', 'next[2]'))).toBe('NotAvailable');
  });

  it('is completed only by the job holding it, once', () => {
    const complete = (jobId: string): QueueItemCommand => ({
      type: 'CompleteItem',
      jobId,
      output: { ok: true },
    });
    expect(given([added(), started('j1', 1)]).when(complete('j1'))).toEqual([
      { type: 'QueueItemCompleted', data: { jobId: 'j1', output: { ok: true } } },
    ]);
    expect(given([added(), started('j1', 1)]).when(complete('j2'))).toBe('NotHeld');
    const done = QueueItemCompleted.create({ ...id, data: { jobId: 'j1', output: {} } });
    expect(given([added(), started('j1', 1), done]).when(complete('j1'))).toEqual([]);
    expect(given([added(), started('j1', 1), done]).when(take('j2'))).toBe('NotAvailable');
  });

  it('is not retried after a business exception', () => {
    expect(given([added(), started('j1', 1)]).when(fail('j1', 'business'))).toEqual([
      { type: 'QueueItemFailed', data: expect.objectContaining({ exception: 'business', retried: false }) },
    ]);
    expect(foldQueueItem([added(), started('j1', 1), failed('j1', 'business', false)]).status).toBe('failed');
  });

  it('is retried after an application exception, up to maxRetries, then failed', () => {
    const history: QueueItemEvent[] = [added(2), started('j1', 1)];
    expect(given(history).when(fail('j1', 'application'))).toEqual([
      { type: 'QueueItemFailed', data: expect.objectContaining({ retried: true }) },
    ]);
    history.push(failed('j1', 'application', true));
    expect(foldQueueItem(history).status).toBe('retried');
    expect(given(history).when(take('j2'))).toEqual([
      { type: 'QueueItemStarted', data: expect.objectContaining({ jobId: 'j2', attempt: 2 }) },
    ]);
    history.push(started('j2', 2), failed('j2', 'application', true), started('j3', 3));
    expect(given(history).when(fail('j3', 'application'))).toEqual([
      { type: 'QueueItemFailed', data: expect.objectContaining({ retried: false }) },
    ]);
  });

  it('sent the same failure twice decides it once', () => {
    expect(
      given([added(), started('j1', 1), failed('j1', 'application', true)]).when(fail('j1', 'application')),
    ).toEqual([]);
  });

  it('is released when its job ends without an outcome: retried, or abandoned when no attempt is left', () => {
    const release = (jobId: string): QueueItemCommand => ({
      type: 'ReleaseItem',
      jobId,
      reason: 'JobFailed',
    });
    expect(given([added(1), started('j1', 1)]).when(release('j1'))).toEqual([
      { type: 'QueueItemReleased', data: { jobId: 'j1', reason: 'JobFailed', retried: true } },
    ]);
    const released = QueueItemReleased.create({
      ...id,
      data: { jobId: 'j1', reason: 'JobFailed', retried: true },
    });
    expect(given([added(1), started('j1', 1), released]).when(release('j1'))).toEqual([]);
    expect(given([added(1), started('j1', 1), released, started('j2', 2)]).when(release('j2'))).toEqual([
      { type: 'QueueItemReleased', data: expect.objectContaining({ retried: false }) },
    ]);
    expect(given([added(0), started('j1', 1)]).when(release('j2'))).toEqual([]);
  });

  it('redelivering an event changes nothing the decider sees', () => {
    const once = foldQueueItem([added(), started('j1', 1)]);
    expect(decideQueueItem(once, take('j1'))).toEqual([]);
  });
});

describe('the take order', () => {
  const item = (priority: number, deadline: string | undefined, addedAt: string) => ({
    status: 'new' as const,
    priority,
    ...(deadline ? { deadline } : {}),
    addedAt,
    maxRetries: 0,
    attempts: 0,
  });

  it('takes higher priority first, then the earliest deadline, then the oldest', () => {
    const items = [
      item(10, undefined, '2026-01-01T00:00:01Z'),
      item(10, '2026-01-02T00:00:00Z', '2026-01-01T00:00:03Z'),
      item(15, undefined, '2026-01-01T00:00:05Z'),
      item(10, '2026-01-01T12:00:00Z', '2026-01-01T00:00:04Z'),
      item(10, undefined, '2026-01-01T00:00:00Z'),
    ];
    expect([...items].sort(compareForTake).map((i) => items.indexOf(i))).toEqual([2, 3, 1, 4, 0]);
  });
});
