import {
  MessageRegistry,
  QUEUE_ITEM_EVENTS,
  QueueItemAdded,
  QueueItemAtRisk,
  QueueItemCompleted,
  QueueItemDeadlineMissed,
  QueueItemFailed,
  QueueItemReleased,
  QueueItemStarted,
  subjects,
  type Envelope,
  type QueueItemEvent,
} from '@aether/contracts';
import { ConcurrencyError, type EventStore } from '@aether/event-store';
import {
  decideQueueItem,
  evolveQueueItem,
  foldQueueItem,
  type QueueItemCommand,
  type QueueItemFact,
  type QueueItemState,
} from '@aether/queue-domain';

export const queueItemEvents = new MessageRegistry<QueueItemEvent>(QUEUE_ITEM_EVENTS);
/** Re-reads after losing an append to another writer before giving up. */
const MAX_RACES = 5;

export interface QueueItemResult {
  readonly state: QueueItemState;
  /** The events this command appended; empty when it repeated what had already happened. */
  readonly appended: QueueItemEvent[];
  readonly lastSequence: number;
}

/**
 * The thin shell around the item decider: read the item's subject, fold, decide, append with the
 * expected last sequence; a lost race is re-read and decided again.
 */
export class QueueItems {
  constructor(private readonly store: EventStore) {}

  subject(tenantId: string, itemId: string): string {
    return subjects.event(tenantId, 'queue-item', itemId);
  }

  async read(tenantId: string, itemId: string): Promise<{ state: QueueItemState; lastSequence: number }> {
    const history = await this.store.read(this.subject(tenantId, itemId), queueItemEvents);
    return {
      state: foldQueueItem(history.events.map((stored) => stored.event)),
      lastSequence: history.lastSequence,
    };
  }

  /**
   * @throws QueueItemRejected when the item's state refuses the command.
   * @param causedBy the message (a job's, a command's) this command answers, for tracing.
   */
  async execute(
    tenantId: string,
    itemId: string,
    command: QueueItemCommand,
    causedBy?: Pick<Envelope, 'id' | 'correlationId'>,
  ): Promise<QueueItemResult> {
    const subject = this.subject(tenantId, itemId);
    for (let race = 0; ; race++) {
      const { state, lastSequence } = await this.read(tenantId, itemId);
      const facts = decideQueueItem(state, command);
      if (facts.length === 0) return { state, appended: [], lastSequence };
      const events = facts.map((fact) => envelope(tenantId, itemId, fact, causedBy));
      try {
        const result = await this.store.append(subject, events, lastSequence);
        return {
          state: events.reduce(evolveQueueItem, state),
          appended: events,
          lastSequence: result.lastSequence,
        };
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || race + 1 >= MAX_RACES) throw error;
      }
    }
  }
}

function envelope(
  tenantId: string,
  itemId: string,
  fact: QueueItemFact,
  causedBy: Pick<Envelope, 'id' | 'correlationId'> | undefined,
): QueueItemEvent {
  const base = { tenantId, aggregateId: itemId, ...(causedBy ? { causedBy } : {}) };
  switch (fact.type) {
    case 'QueueItemAdded':
      return QueueItemAdded.create({ ...base, data: fact.data });
    case 'QueueItemStarted':
      return QueueItemStarted.create({ ...base, data: fact.data });
    case 'QueueItemCompleted':
      return QueueItemCompleted.create({ ...base, data: fact.data });
    case 'QueueItemFailed':
      return QueueItemFailed.create({ ...base, data: fact.data });
    case 'QueueItemReleased':
      return QueueItemReleased.create({ ...base, data: fact.data });
    case 'QueueItemAtRisk':
      return QueueItemAtRisk.create({ ...base, data: fact.data });
    case 'QueueItemDeadlineMissed':
      return QueueItemDeadlineMissed.create({ ...base, data: fact.data });
  }
}
