export {
  evolveJob,
  evolveJobInPlace,
  foldJob,
  initialJobState,
  isTerminal,
  requestedJobState,
  type JobPhase,
  type JobState,
  type StepRecord,
} from './job-state';
export {
  decideTriggerKey,
  evolveTriggerKey,
  foldTriggerKey,
  type TriggerKeyDecision,
  type TriggerKeyState,
} from './trigger-key';
