import {
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Put,
} from '@nestjs/common';
import { z } from 'zod';
import {
  AggregateIdSchema,
  DEFAULT_PRIORITY,
  JsonObjectSchema,
  MessageRegistry,
  PrioritySchema,
  QUEUE_EVENTS,
  QUEUE_TRIGGER_EVENTS,
  QueueDefined,
  QueueNameSchema,
  QueuePolicySchema,
  STREAMS,
  QueueReferenceSchema,
  subjects,
  type QueueEvent,
  type QueuePolicy,
  type QueueTriggerEvent,
} from '@aether/contracts';
import type { JetStreamManager } from '@nats-io/jetstream';
import { directGet, type EventStore } from '@aether/event-store';
import {
  QueueItemRejected,
  foldQueuePolicy,
  itemDeadline,
  queueItemId,
  type QueueItemState,
} from '@aether/queue-domain';
import { QueueItems } from '@aether/queues';
import { EVENT_STORE, JETSTREAM_MANAGER } from '@aether/service-kit';
import { Tenant } from '../common/tenant';
import { parseOr400 } from '../common/validation';
import { requireTriggerInputs } from '../workflows/trigger-inputs';

const queueEvents = new MessageRegistry<QueueEvent>(QUEUE_EVENTS);
const triggerEvents = new MessageRegistry<QueueTriggerEvent>(QUEUE_TRIGGER_EVENTS);

export const AddItemBody = z
  .object({
    /** The business key, unique in the queue: a second add with it is refused (409). */
    reference: QueueReferenceSchema,
    payload: JsonObjectSchema.default({}),
    priority: PrioritySchema.default(DEFAULT_PRIORITY),
    deadline: z.iso.datetime().optional(),
  })
  .strict();

/**
 * Work queues: a queue's policy (retries, SLA, trigger) and its items. Every item is its own
 * aggregate; its id is derived from the queue and the reference (see `queueItemId`).
 */
@Controller('api/v1/queues')
export class QueuesController {
  private readonly items: QueueItems;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(JETSTREAM_MANAGER) private readonly jsm: JetStreamManager,
  ) {
    this.items = new QueueItems(store);
  }

  /** Creates the queue or replaces its policy. */
  @Put(':queue')
  async define(@Tenant() tenantId: string, @Param('queue') queue: string, @Body() body: unknown) {
    const name = parseOr400(QueueNameSchema, queue, 'queue');
    const policy = parseOr400(QueuePolicySchema, body ?? {}, 'body');
    if (policy.trigger)
      await requireTriggerInputs(this.store, tenantId, policy.trigger.workflowId, undefined, {
        kind: 'queue trigger',
        queue: name,
      });
    const event = QueueDefined.create({ tenantId, aggregateId: name, data: policy });
    await this.store.append(subjects.event(tenantId, 'queue', name), [event], 'any');
    return { queue: name, ...policy };
  }

  /**
   * The policy, and its trigger's last fire: the jobs it started, or why it started none
   * (`QueueTriggerRefused`, ADR 135); null before the first.
   */
  @Get(':queue')
  async show(@Tenant() tenantId: string, @Param('queue') queue: string) {
    const name = parseOr400(QueueNameSchema, queue, 'queue');
    const policy = await this.policy(tenantId, name);
    const stored = await directGet(this.jsm, STREAMS.events, {
      last_by_subj: subjects.event(tenantId, 'queue-trigger', name),
    });
    const parsed = stored ? triggerEvents.parseBytes(stored.data) : undefined;
    return { queue: name, ...policy, lastTriggerFire: parsed?.ok ? lastFire(parsed.message) : null };
  }

  /** Adds an item: 201 with its id, 409 naming the existing item when the reference is taken. */
  @Post(':queue/items')
  @HttpCode(201)
  async add(@Tenant() tenantId: string, @Param('queue') queue: string, @Body() body: unknown) {
    const name = parseOr400(QueueNameSchema, queue, 'queue');
    const input = parseOr400(AddItemBody, body ?? {}, 'body');
    const policy = await this.policy(tenantId, name);
    const itemId = queueItemId(name, input.reference);
    const deadline = itemDeadline(policy, new Date(), input.deadline);
    try {
      await this.items.execute(tenantId, itemId, {
        type: 'AddItem',
        queue: name,
        reference: input.reference,
        payload: input.payload,
        priority: input.priority,
        ...(deadline ? { deadline } : {}),
        maxRetries: policy.maxRetries,
        addedBy: { kind: 'api' },
      });
    } catch (error) {
      if (error instanceof QueueItemRejected && error.code === 'DuplicateReference')
        // The problem document keeps only the message: it names the existing item.
        throw new ConflictException({
          message: `${error.message}: item ${itemId}`,
          itemId,
          reference: input.reference,
        });
      throw error;
    }
    return {
      itemId,
      queue: name,
      reference: input.reference,
      status: 'new',
      ...(deadline ? { deadline } : {}),
    };
  }

  @Get(':queue/items/:itemId')
  async item(@Tenant() tenantId: string, @Param('queue') queue: string, @Param('itemId') itemId: string) {
    const name = parseOr400(QueueNameSchema, queue, 'queue');
    const { state } = await this.items.read(tenantId, parseOr400(AggregateIdSchema, itemId, 'itemId'));
    if (state.status === 'absent' || state.queue !== name)
      throw new NotFoundException(`queue ${name} has no item ${itemId}`);
    return view(itemId, state);
  }

  private async policy(tenantId: string, queue: string): Promise<QueuePolicy> {
    const history = await this.store.read(subjects.event(tenantId, 'queue', queue), queueEvents);
    const policy = foldQueuePolicy(history.events.map((stored) => stored.event));
    if (!policy)
      throw new NotFoundException(`queue ${queue} not found (PUT /api/v1/queues/${queue} defines it)`);
    return policy;
  }
}

/** A trigger's fire as schedules and mail triggers show theirs: a refused one carries `refused`. */
function lastFire(event: QueueTriggerEvent) {
  const firedAt = event.occurredAt;
  switch (event.type) {
    case 'QueueJobsStarted':
      return { ...event.data, firedAt };
    case 'QueueTriggerRefused': {
      const { workflowId, waiting, ...refused } = event.data;
      return { workflowId, waiting, firedAt, refused };
    }
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

function view(itemId: string, state: QueueItemState) {
  return {
    itemId,
    queue: state.queue,
    reference: state.reference,
    status: state.status,
    priority: state.priority,
    deadline: state.deadline ?? null,
    addedAt: state.addedAt,
    attempts: state.attempts,
    maxRetries: state.maxRetries,
    payload: state.payload,
    output: state.output ?? null,
    error: state.error ?? null,
    jobId: state.jobId ?? null,
    robotId: state.robotId ?? null,
  };
}
