import type { QueuePolicy, QueueItemEvent, QueueTriggerEvent } from '@aether/contracts';
import {
  compareForTake,
  evolveQueueItem,
  initialQueueItemState,
  isTakeable,
  type QueueItemState,
} from '@aether/queue-domain';

export interface BookedItem {
  readonly tenantId: string;
  readonly itemId: string;
  state: QueueItemState;
}

export interface BookedTrigger {
  lastSequence: number;
  readonly jobIds: string[];
  /** The version each job was requested at (absent for fires before ADR 135). */
  readonly versions: Map<string, number>;
  /** The last fire was refused, for this workflow and version: not recorded again for them. */
  refused?: { readonly workflowId: string; readonly workflowVersion: number | undefined };
}

const key = (tenantId: string, id: string) => `${tenantId}/${id}`;

/**
 * What the queue keeper knows of every queue, folded from the event stream: a view for choosing
 * and counting, never the truth — every decision re-reads the item and appends with its expected
 * sequence, so a stale book only costs a retry.
 */
export class QueueBook {
  private readonly items = new Map<string, BookedItem>();
  private readonly policies = new Map<string, { tenantId: string; queue: string; policy: QueuePolicy }>();
  private readonly triggers = new Map<string, BookedTrigger>();

  applyItem(tenantId: string, itemId: string, event: QueueItemEvent): void {
    const booked = this.items.get(key(tenantId, itemId));
    if (booked) booked.state = evolveQueueItem(booked.state, event);
    else
      this.items.set(key(tenantId, itemId), {
        tenantId,
        itemId,
        state: evolveQueueItem(initialQueueItemState, event),
      });
  }

  applyPolicy(tenantId: string, queue: string, policy: QueuePolicy): void {
    this.policies.set(key(tenantId, queue), { tenantId, queue, policy });
  }

  applyTriggerEvent(tenantId: string, queue: string, sequence: number, event: QueueTriggerEvent): void {
    const trigger = this.trigger(tenantId, queue);
    trigger.lastSequence = sequence;
    switch (event.type) {
      case 'QueueJobsStarted':
        trigger.jobIds.push(...event.data.jobIds);
        if (event.data.workflowVersion !== undefined)
          for (const jobId of event.data.jobIds) trigger.versions.set(jobId, event.data.workflowVersion);
        trigger.refused = undefined;
        return;
      case 'QueueTriggerRefused':
        trigger.refused = { workflowId: event.data.workflowId, workflowVersion: event.data.workflowVersion };
        return;
      default: {
        const _exhaustive: never = event;
        return _exhaustive;
      }
    }
  }

  trigger(tenantId: string, queue: string): BookedTrigger {
    let trigger = this.triggers.get(key(tenantId, queue));
    if (!trigger)
      this.triggers.set(
        key(tenantId, queue),
        (trigger = { lastSequence: 0, jobIds: [], versions: new Map() }),
      );
    return trigger;
  }

  queues(): { tenantId: string; queue: string; policy: QueuePolicy }[] {
    return [...this.policies.values()];
  }

  /** The queue's waiting items in the order they are taken. */
  waiting(tenantId: string, queue: string): BookedItem[] {
    return [...this.items.values()]
      .filter((item) => item.tenantId === tenantId && item.state.queue === queue && isTakeable(item.state))
      .sort((a, b) => compareForTake(a.state, b.state));
  }

  /** The item a step already holds (it asks again after a crash), if any. */
  heldBy(tenantId: string, queue: string, jobId: string, stepKey: string): BookedItem | undefined {
    for (const item of this.items.values())
      if (
        item.tenantId === tenantId &&
        item.state.queue === queue &&
        item.state.status === 'in-progress' &&
        item.state.jobId === jobId &&
        item.state.stepKey === stepKey
      )
        return item;
    return undefined;
  }

  /** The queue's items that have not ended (waiting, retried or in progress). */
  unfinished(tenantId: string, queue: string): BookedItem[] {
    return this.itemsOf(tenantId, queue).filter((item) =>
      ['new', 'retried', 'in-progress'].includes(item.state.status),
    );
  }

  itemsOf(tenantId: string, queue: string): BookedItem[] {
    return [...this.items.values()].filter(
      (item) => item.tenantId === tenantId && item.state.queue === queue,
    );
  }

  inProgress(): BookedItem[] {
    return [...this.items.values()].filter((item) => item.state.status === 'in-progress');
  }

  counts(tenantId: string, queue: string): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const item of this.items.values())
      if (item.tenantId === tenantId && item.state.queue === queue)
        counts[item.state.status] = (counts[item.state.status] ?? 0) + 1;
    return counts;
  }
}
