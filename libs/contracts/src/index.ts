export {
  TenantIdSchema,
  AggregateIdSchema,
  DEFAULT_TENANT,
  isSubjectToken,
  newId,
  type TenantId,
} from './ids';
export { STREAMS, subjects, parseEventSubject, type AggregateType, type StreamName } from './subjects';
export {
  EnvelopeSchema,
  defineMessage,
  type Envelope,
  type RawEnvelope,
  type MessageDefinition,
  type MessageKind,
  type MessageOf,
  type CreateInput,
} from './envelope';
export { MessageRegistry, type ParseResult, type Upcaster } from './registry';
export {
  JsonObjectSchema,
  ErrorInfoSchema,
  PrioritySchema,
  DEFAULT_PRIORITY,
  type JsonObject,
  type ErrorInfo,
} from './messages/common';
export {
  JobRequested,
  JobRejected,
  JobDispatched,
  JobStarted,
  StepStarted,
  StepCompleted,
  StepFailed,
  JobCompleted,
  JobFailed,
  JOB_EVENTS,
  TERMINAL_JOB_EVENTS,
  type JobEvent,
} from './messages/job.events';
export { WorkflowVersionPublished, WORKFLOW_EVENTS, type WorkflowEvent } from './messages/workflow.events';
export { RequestJob, JOB_COMMANDS, type JobCommand } from './messages/job.commands';
export { RunJob, WORK_MESSAGES, type WorkMessage } from './messages/work';
