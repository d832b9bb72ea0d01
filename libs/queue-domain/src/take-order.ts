import type { QueueItemState } from './queue-item';

/**
 * The order in which waiting items are taken: higher priority first, then the earliest
 * deadline (items without one after those with one), then the oldest.
 */
export function compareForTake(a: QueueItemState, b: QueueItemState): number {
  return (
    (b.priority ?? 0) - (a.priority ?? 0) ||
    deadlineOf(a) - deadlineOf(b) ||
    (a.addedAt ?? '').localeCompare(b.addedAt ?? '')
  );
}

function deadlineOf(state: QueueItemState): number {
  return state.deadline ? Date.parse(state.deadline) : Number.POSITIVE_INFINITY;
}
