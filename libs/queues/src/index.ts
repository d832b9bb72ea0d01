export { QueueItems, queueItemEvents, type QueueItemResult } from './queue-items';
