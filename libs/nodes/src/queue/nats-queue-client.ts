import type { NatsConnection } from '@nats-io/transport-node';
import { decodeJson, subjects } from '@aether/contracts';
import { raceAbort } from '../shared/abort';
import { QueueUnavailableError, type QueueClient } from './queue.handlers';

const encoder = new TextEncoder();

/** Queue steps over core NATS: a request to the scheduler's queue keeper (queue group `queue-keeper`). */
export class NatsQueueClient implements QueueClient {
  constructor(
    private readonly nc: Pick<NatsConnection, 'request'>,
    private readonly timeoutMs = 10_000,
  ) {}

  async request(
    tenantId: string,
    queue: string,
    verb: 'take' | 'complete' | 'fail' | 'add',
    body: unknown,
    signal: AbortSignal,
  ): Promise<unknown> {
    const subject =
      verb === 'take' ? subjects.queueTake(tenantId, queue) : subjects.queueItemOp(tenantId, queue, verb);
    let data: Uint8Array;
    try {
      ({ data } = await raceAbort(
        this.nc.request(subject, encoder.encode(JSON.stringify(body)), { timeout: this.timeoutMs }),
        signal,
      ));
    } catch (error) {
      if (signal.aborted) throw error;
      throw new QueueUnavailableError(`the queue keeper did not answer ${verb} on ${queue}`, {
        cause: error,
      });
    }
    const decoded = decodeJson(data);
    if (!decoded.ok) throw new QueueUnavailableError(`the queue keeper's ${verb} reply is not JSON`);
    return decoded.value;
  }
}
