import { testNodeContext } from '../testing/node-context';
import { queueHandlers, type QueueClient } from './queue.handlers';

type Call = { tenantId: string; queue: string; verb: string; body: unknown };

/** A keeper that answers from a script and records what it was asked. */
function scripted(answers: Record<string, unknown>): QueueClient & { calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    request: (tenantId, queue, verb, body) => {
      calls.push({ tenantId, queue, verb, body });
      return Promise.resolve(answers[verb]);
    },
  };
}

const handlersWith = (client?: QueueClient) =>
  new Map(queueHandlers({ ...(client ? { client } : {}), robotId: 'robot-7' }).map((h) => [h.type, h]));
const context = testNodeContext({ jobId: 'job-1', stepKey: 'take[3]', tenantId: 'acme' });

describe('queue nodes', () => {
  it('queue.next asks for the item of this job step and returns it, or found: false', async () => {
    const item = { itemId: 'i-1', reference: 'PO-1', payload: { n: 1 }, priority: 10, attempt: 1 };
    const client = scripted({ take: { item } });
    const next = handlersWith(client).get('queue.next');
    expect(await next?.execute({ queue: 'orders' }, context)).toEqual({ found: true, ...item });
    expect(client.calls).toEqual([
      {
        tenantId: 'acme',
        queue: 'orders',
        verb: 'take',
        body: { jobId: 'job-1', stepKey: 'take[3]', robotId: 'robot-7' },
      },
    ]);
    const empty = handlersWith(scripted({ take: { item: null } })).get('queue.next');
    expect(await empty?.execute({ queue: 'orders' }, context)).toEqual({ found: false });
  });

  it('queue.fail sends the exception kind and returns whether the item will be retried', async () => {
    const client = scripted({ fail: { ok: true, itemId: 'i-1', status: 'retried' } });
    const fail = handlersWith(client).get('queue.fail');
    const params = { queue: 'orders', itemId: 'i-1', exception: 'application', message: 'ERP timed out' };
    expect(await fail?.execute(params, context)).toEqual({ itemId: 'i-1', status: 'retried' });
    expect(client.calls[0]?.body).toEqual({
      jobId: 'job-1',
      itemId: 'i-1',
      exception: 'application',
      message: 'ERP timed out',
    });
  });

  it('a refused completion (the job does not hold the item) fails the step for good', async () => {
    const client = scripted({
      complete: { ok: false, code: 'NotHeld', message: 'item is successful, not held by job job-1' },
    });
    const complete = handlersWith(client).get('queue.complete');
    await expect(complete?.execute({ queue: 'orders', itemId: 'i-1' }, context)).rejects.toMatchObject({
      code: 'QUEUE_NOT_HELD',
      retryable: false,
    });
  });

  it('queue.add refuses a duplicate reference naming the item, or passes over it with ifExists: skip', async () => {
    const duplicate = {
      ok: false,
      code: 'DuplicateReference',
      message: 'reference PO-1 is already in queue orders',
      itemId: 'i-1',
    };
    const add = handlersWith(scripted({ add: duplicate })).get('queue.add');
    await expect(add?.execute({ queue: 'orders', reference: 'PO-1' }, context)).rejects.toMatchObject({
      code: 'QUEUE_DUPLICATE_REFERENCE',
      itemId: 'i-1',
      retryable: false,
    });
    expect(await add?.execute({ queue: 'orders', reference: 'PO-1', ifExists: 'skip' }, context)).toEqual({
      itemId: 'i-1',
      added: false,
      status: 'exists',
    });
  });

  it('queue.add sends the deadline in UTC with the default priority', async () => {
    const client = scripted({
      add: { ok: true, itemId: 'i-2', status: 'new', deadline: '2030-01-01T10:00:00.000Z' },
    });
    const add = handlersWith(client).get('queue.add');
    const output = await add?.execute(
      { queue: 'orders', reference: 'PO-2', deadline: '2030-01-01T12:00:00+02:00' },
      context,
    );
    expect(output).toEqual({
      itemId: 'i-2',
      added: true,
      status: 'new',
      deadline: '2030-01-01T10:00:00.000Z',
    });
    expect(client.calls[0]?.body).toMatchObject({
      priority: 10,
      deadline: '2030-01-01T10:00:00.000Z',
      payload: {},
    });
  });

  it('an unreadable answer is retryable; a robot without a client refuses at once', async () => {
    await expect(
      handlersWith(scripted({ take: { error: 'boom' } }))
        .get('queue.next')
        ?.execute({ queue: 'orders' }, context),
    ).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE', retryable: true });
    await expect(
      handlersWith().get('queue.next')?.execute({ queue: 'orders' }, context),
    ).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
    });
  });
});
