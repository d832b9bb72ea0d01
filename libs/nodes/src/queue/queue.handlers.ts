import {
  DEFAULT_PRIORITY,
  QueueItemReplySchema,
  QueueTakeReplySchema,
  type JsonObject,
  type QueueAddRequest,
  type QueueCompleteRequest,
  type QueueFailRequest,
  type QueueItemReply,
  type QueueTakeRequest,
} from '@aether/contracts';
import type { NodeContext, NodeHandler } from '../contract';
import { NodeError, NodeParamsError } from '../errors';
import { throwIfAborted } from '../shared/abort';
import { implement } from '../shared/define-handler';

/**
 * How queue steps reach the queue keeper: one request per operation on
 * `aether.ctl.<tenant>.queue.<queue>.<verb>`, answered with the reply's JSON. The robot's is
 * `NatsQueueClient`; tests may give a fake.
 */
export interface QueueClient {
  request(
    tenantId: string,
    queue: string,
    verb: 'take' | 'complete' | 'fail' | 'add',
    body: QueueTakeRequest | QueueCompleteRequest | QueueFailRequest | QueueAddRequest,
    signal: AbortSignal,
  ): Promise<unknown>;
}

/** Options of the `queue.*` nodes, given once to `createNodeHandlers`. */
export interface QueueNodeOptions {
  /** Absent: `queue.*` steps fail (terminal) on this robot. */
  readonly client?: QueueClient;
  /** The robot recorded on the items it takes. */
  readonly robotId?: string;
}

/** The queue keeper refused the operation (the item is not held, the reference exists). Terminal. */
export class QueueRefusedError extends NodeError {
  readonly retryable = false;
  constructor(
    readonly code: string,
    message: string,
    /** The item the refusal names, e.g. the existing item of a duplicate reference. */
    readonly itemId?: string,
  ) {
    super(message);
  }
}

/** The queue keeper did not answer or answered nonsense: worth another attempt. */
export class QueueUnavailableError extends NodeError {
  readonly code = 'QUEUE_UNAVAILABLE';
  readonly retryable = true;
}

export function queueHandlers(options: QueueNodeOptions = {}): NodeHandler[] {
  const client = (context: NodeContext): QueueClient => {
    if (options.client === undefined)
      throw new NodeParamsError('this robot has no queue client; queue.* steps cannot run here');
    throwIfAborted(context.signal);
    return options.client;
  };
  const call = async (
    context: NodeContext,
    queue: string,
    verb: 'complete' | 'fail' | 'add',
    body: QueueCompleteRequest | QueueFailRequest | QueueAddRequest,
  ): Promise<QueueItemReply> => {
    const answer = await client(context).request(context.tenantId, queue, verb, body, context.signal);
    const reply = QueueItemReplySchema.safeParse(answer);
    if (!reply.success) throw new QueueUnavailableError(`queue ${queue}: unreadable ${verb} reply`);
    return reply.data;
  };
  const refused = (reply: Extract<QueueItemReply, { ok: false }>) =>
    new QueueRefusedError(
      reply.code === 'DuplicateReference' ? 'QUEUE_DUPLICATE_REFERENCE' : `QUEUE_${snake(reply.code)}`,
      reply.message,
      reply.itemId,
    );

  return [
    implement('queue.next', async ({ queue }, context) => {
      const body: QueueTakeRequest = {
        jobId: context.jobId,
        stepKey: context.stepKey,
        robotId: options.robotId ?? '',
      };
      const answer = await client(context).request(context.tenantId, queue, 'take', body, context.signal);
      const reply = QueueTakeReplySchema.safeParse(answer);
      if (!reply.success) throw new QueueUnavailableError(`queue ${queue}: unreadable take reply`);
      const item = reply.data.item;
      if (item === null) return { found: false };
      return { found: true, ...item };
    }),

    implement('queue.complete', async ({ queue, itemId, output = {} }, context) => {
      const reply = await call(context, queue, 'complete', {
        jobId: context.jobId,
        itemId,
        output: output as JsonObject,
      });
      if (!reply.ok) throw refused(reply);
      return { itemId: reply.itemId, status: reply.status };
    }),

    implement('queue.fail', async ({ queue, itemId, exception, message }, context) => {
      const reply = await call(context, queue, 'fail', { jobId: context.jobId, itemId, exception, message });
      if (!reply.ok) throw refused(reply);
      return { itemId: reply.itemId, status: reply.status };
    }),

    implement(
      'queue.add',
      async ({ queue, reference, payload = {}, priority, deadline, ifExists = 'fail' }, context) => {
        const reply = await call(context, queue, 'add', {
          jobId: context.jobId,
          reference,
          payload: payload as JsonObject,
          priority: priority ?? DEFAULT_PRIORITY,
          ...(deadline ? { deadline: new Date(deadline).toISOString() } : {}),
        });
        if (reply.ok)
          return {
            itemId: reply.itemId,
            added: true,
            status: reply.status,
            ...(reply.deadline ? { deadline: reply.deadline } : {}),
          };
        if (reply.code === 'DuplicateReference' && ifExists === 'skip' && reply.itemId)
          return { itemId: reply.itemId, added: false, status: 'exists' };
        throw refused(reply);
      },
    ),
  ];
}

function snake(code: string): string {
  return code.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}
