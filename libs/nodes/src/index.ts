export type {
  ElementTarget,
  HealOutcome,
  HealRequest,
  HealingMode,
  NodeContext,
  NodeHandler,
  NodeLogger,
  NodeOutput,
} from './contract';
export {
  AmbiguousSelectorError,
  ClickMissedError,
  ElementNotFoundError,
  FileAccessError,
  HealApprovalNeededError,
  HttpError,
  NoHandlerError,
  NodeCancelledError,
  NodeError,
  NodeParamsError,
  NodeTimeoutError,
  StepTimeoutError,
  UnexpectedNodeError,
  toNodeError,
} from './errors';
export { createNodeHandlers, type NodeHandlersOptions, type NodeHandlerTable } from './handlers';
export type { HttpNodeOptions } from './http/http.handler';
export { EgressDeniedError } from './http/egress';
export { DesktopUnavailableError, type DesktopNodeOptions } from './desktop/desktop.handlers';
export { CHROMIUM_LAUNCH_OPTIONS } from './browser/launch-options';
export {
  BrowserPool,
  BrowserUnavailableError,
  type BrowserLease,
  type BrowserPoolOptions,
  type BrowserPoolUsage,
} from './browser/browser-pool';
export {
  captureFailureArtifacts,
  captureStalledPage,
  type FailureArtifact,
} from './browser/failure-artifacts';
export { HEAL_PROBE_MS } from './browser/target';
export { LAST_WORD_MS } from './shared/abort';
export { ArtifactNotFoundError, InMemoryArtifacts, type ArtifactStore } from './artifacts/artifact-store';
export { ObjectStoreArtifacts, type ObjectStoreArtifactsOptions } from './artifacts/object-store-artifacts';
export { REGEX_LIMITS } from './data/regex';
export {
  DatabaseError,
  DatabasePool,
  type DatabaseLease,
  type DatabasePoolOptions,
  type DatabasePoolUsage,
} from './db/database-pool';
export { PdfReadError } from './pdf/pdf-reader';
export { MailError } from './mail/mail.handlers';
export { DatabaseResultTooLargeError, LEDGER_TABLE, type DatabaseNodeOptions } from './db/db.handlers';
export {
  QueueRefusedError,
  QueueUnavailableError,
  type QueueClient,
  type QueueNodeOptions,
} from './queue/queue.handlers';
export { NatsQueueClient } from './queue/nats-queue-client';
