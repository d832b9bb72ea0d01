export { connectNats, type NatsConnectionOptions } from './connection';
export { directGet } from './direct-get';
export { createOrFindStream } from './creation-race';
export {
  streamConfigs,
  ensureStreams,
  reconcileStream,
  topologyOf,
  ensureConsumer,
  retireConsumer,
  DEFAULT_STREAM_SETTINGS,
  nanos,
  type StreamSettings,
  type StreamPlacement,
  type StreamLimits,
  type StreamReconciliation,
} from './streams';
export {
  EventStore,
  deliverFrom,
  type StoredEvent,
  type StoredCommit,
  type InvalidStoredEvent,
  type AggregateHistory,
  type ExpectedSequence,
  type AppendResult,
  type EventStoreOptions,
  type SubscribeOptions,
  EventReadRefusedError,
} from './event-store';
export {
  EventSubscription,
  shouldResume,
  MISSED_HEARTBEATS_TO_RESUME,
  type ResumeNotice,
  type SubscriptionStart,
} from './event-subscription';
export {
  serveEventReads,
  EventReadRequestSchema,
  type EventReadRequest,
  type EventReadReply,
} from './event-reads';
export { ConcurrencyError } from './errors';
export { resentOnReconnect } from './reconnects';
export {
  CommandHandler,
  type Decider,
  type DeciderResult,
  type CommandOutcome,
  type HandleOptions,
} from './command-handler';
export {
  quarantine,
  readQuarantine,
  requeueQuarantined,
  QuarantineError,
  QUARANTINE_HEADERS,
  type QuarantinedMessage,
  type QuarantineListing,
} from './quarantine';
export {
  robotWorkConsumer,
  poolWorkConsumer,
  DEFAULT_WORK_CONSUMER,
  type WorkConsumerSettings,
} from './work-consumers';
export { DeliveryCounts, type RecountWarning } from './delivery-counts';
