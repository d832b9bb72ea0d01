export { connectNats, type NatsConnectionOptions } from './connection';
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
  EventSubscription,
  type StoredEvent,
  type InvalidStoredEvent,
  type AggregateHistory,
  type ExpectedSequence,
  type AppendResult,
  type EventStoreOptions,
} from './event-store';
export { ConcurrencyError } from './errors';
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
