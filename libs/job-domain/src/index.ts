export {
  evolveJob,
  evolveJobInPlace,
  foldJob,
  initialJobState,
  isTerminal,
  requestedJobState,
  type JobLifecycle,
  type JobState,
  type StepRecord,
} from './job-state';
export { decide, versionToRun, type JobDecision } from './decide';
export { jobDecider } from './decider';
export type {
  CommandMeta,
  JobCommand,
  JobCommandType,
  RequestJobCommand,
  PublishedVersion,
  PlaceJobCommand,
  RejectJobCommand,
  ClaimJobCommand,
  StartStepCommand,
  CompleteStepCommand,
  FailStepCommand,
  CompleteJobCommand,
  FailJobCommand,
  ParkJobCommand,
  RecordHealCommand,
  ReleaseJobCommand,
  CancelJobCommand,
  StopCancelledJobCommand,
  RetryStepCommand,
  SkipStepCommand,
  FailParkedJobCommand,
  SettleFailureCommand,
  RequeueJobCommand,
  StallStepCommand,
  FlagAtRiskCommand,
  MissDeadlineCommand,
} from './commands';
export type { JobRejection, RejectionCode } from './rejections';
export { decideRetry, type RetryDecision, type RetrySchedule } from './retry-policy';
export { JOB_STATUSES, TERMINAL_JOB_STATUSES, type JobStatus } from '@aether/contracts';
export {
  decideTriggerKey,
  evolveTriggerKey,
  foldTriggerKey,
  type TriggerKeyDecision,
  type TriggerKeyState,
} from './trigger-key';
