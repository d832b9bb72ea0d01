export {
  TenantIdSchema,
  AggregateIdSchema,
  DEFAULT_TENANT,
  isSubjectToken,
  newId,
  type TenantId,
} from './ids';
export {
  STREAMS,
  KV_BUCKETS,
  subjects,
  parseEventSubject,
  type AggregateType,
  type StreamName,
  type KvBucketName,
} from './subjects';
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
export {
  MessageRegistry,
  decodeJson,
  type ParseEventsResult,
  type ParseResult,
  type Upcaster,
} from './registry';
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
  type JobEvent,
} from './messages/job.events';
export { JOB_STATUSES, TERMINAL_JOB_STATUSES, type JobStatus } from './messages/job-status';
export {
  JobNeedsAttention,
  StepResolved,
  JobReleased,
  JobCancelRequested,
  JobCancelled,
  JOB_CONTROL_EVENTS,
  type JobControlEvent,
} from './messages/job-control.events';
export { WorkflowVersionPublished, WORKFLOW_EVENTS, type WorkflowEvent } from './messages/workflow.events';
export { AuditRecorded, AUDIT_EVENTS, type AuditEvent } from './messages/audit.events';
export {
  SecretRead,
  SecretRefSchema,
  SecretReadRequestSchema,
  SecretReadRefusalSchema,
  SecretReadReplySchema,
  type SecretReadEvent,
  type SecretReadRequest,
  type SecretReadReply,
} from './messages/secret.messages';
export { RequestJob, JOB_COMMANDS, type JobCommand } from './messages/job.commands';
export { JobNeedsSchema, type JobNeeds } from './messages/job-request';
export { RunJob, WORK_MESSAGES, type WorkMessage } from './messages/work';
export {
  RobotTagSchema,
  PlatformSchema,
  BrowserEngineSchema,
  RobotCapabilitiesSchema,
  RobotJobProgressSchema,
  RobotVitalsSchema,
  RobotStatusSchema,
  RobotPresenceSchema,
  type Platform,
  type BrowserEngine,
  type RobotCapabilities,
  type RobotVitals,
  type RobotStatus,
  type RobotPresence,
} from './messages/robot.presence';
export {
  RegisterRobot,
  RobotHeartbeat,
  DeregisterRobot,
  ROBOT_COMMANDS,
  type RobotCommand,
} from './messages/robot.commands';
export {
  RobotRegistered,
  RobotWentOffline,
  RobotCameBackOnline,
  ROBOT_EVENTS,
  type RobotEvent,
} from './messages/robot.events';
export {
  PlacementSchema,
  DispatchPolicySchema,
  DEFAULT_RETRY_DELAYS_MS,
  NO_CAPABLE_ROBOT,
  JobRetryScheduled,
  JobDeadLettered,
  JobRequeued,
  DISPATCH_JOB_EVENTS,
  type Placement,
  type DispatchPolicy,
  type DispatchJobEvent,
} from './messages/dispatch.events';
export { ScheduleFired, SCHEDULE_EVENTS, type ScheduleEvent } from './messages/schedule.events';
export {
  HealingPolicySchema,
  HealCandidateSchema,
  SelectorPatchSchema,
  FingerprintRecorded,
  SelectorFragilityRated,
  SelectorHealed,
  SelectorHealReported,
  SelectorPatchProposed,
  HealProposalApproved,
  HealProposalRejected,
  SELECTOR_EVENTS,
  PROPOSAL_EVENTS,
  HEALING_EVENTS,
  type HealingPolicy,
  type SelectorPatch,
  type SelectorEvent,
  type ProposalEvent,
  type HealingEvent,
} from './messages/healing.events';
export {
  MisfirePolicySchema,
  ScheduleDefinitionSchema,
  HookDefinitionSchema,
  TimeZoneSchema,
  isTimeZone,
  type MisfirePolicy,
  type ScheduleDefinition,
  type HookDefinition,
} from './messages/schedule.definitions';
export {
  Sha256TokenSchema,
  TriggerKeyClaimed,
  TRIGGER_KEY_EVENTS,
  type TriggerKeyEvent,
} from './messages/trigger-key.events';
export {
  QueueNameSchema,
  QueueReferenceSchema,
  QueueExceptionSchema,
  QueueTriggerSchema,
  QueuePolicySchema,
  QueueDefined,
  QueueJobsStarted,
  QueueItemAdded,
  QueueItemStarted,
  QueueItemCompleted,
  QueueItemFailed,
  QueueItemReleased,
  QUEUE_EVENTS,
  QUEUE_ITEM_EVENTS,
  QUEUE_TRIGGER_EVENTS,
  type QueueTriggerEvent,
  QueueTakeRequestSchema,
  QueueTakeReplySchema,
  QueueCompleteRequestSchema,
  QueueFailRequestSchema,
  QueueAddRequestSchema,
  QueueItemReplySchema,
  type QueueCompleteRequest,
  type QueueFailRequest,
  type QueueAddRequest,
  type QueueItemReply,
  type QueueException,
  type QueueTrigger,
  type QueuePolicy,
  type QueueEvent,
  type QueueItemEvent,
  type QueueTakeRequest,
  type QueueTakeReply,
} from './messages/queue.events';
