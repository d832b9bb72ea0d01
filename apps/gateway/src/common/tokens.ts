export const READ_MODEL = Symbol('READ_MODEL');
/** `TriggerKeys`: idempotency keys of triggers, on the event stream. */
export const TRIGGER_KEYS = Symbol('TRIGGER_KEYS');
export const METRICS = Symbol('METRICS');
/** `QueueQueries`: work queues and deadline flags in the read model. */
export const QUEUE_METRICS = Symbol('QUEUE_METRICS');
export { READ_MODEL_DATA_SOURCE as DATA_SOURCE } from '@aether/read-model';
