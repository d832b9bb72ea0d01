export {
  decideQueueItem,
  evolveQueueItem,
  foldQueueItem,
  initialQueueItemState,
  isTakeable,
  QueueItemRejected,
  type QueueItemCommand,
  type QueueItemFact,
  type QueueItemState,
  type QueueItemStatus,
} from './queue-item';
export { queueItemId } from './item-id';
export { compareForTake } from './take-order';
export { foldQueuePolicy, itemDeadline } from './queue-policy';
export { itemDurationPercentile, itemsAtRisk } from './item-forecast';
